package mutate

import (
	"strings"
	"testing"
)

// Each operator finds its sites and rewrites exactly one per mutant: the
// mutated text is the original with that one site changed.
func TestOperatorsRewriteOneSite(t *testing.T) {
	cases := []struct {
		name  string
		sites func(string) []edit
		sql   string
		want  []string // every mutant, in site order
	}{
		{"lock", lockSites, "SELECT 1 FROM a WHERE x = $1 FOR UPDATE",
			[]string{"SELECT 1 FROM a WHERE x = $1"}},
		{"lock of, nowait; share", lockSites, "SELECT 1 FROM a JOIN b USING (k) FOR NO KEY UPDATE OF a NOWAIT; SELECT 2 FROM c FOR SHARE",
			[]string{"SELECT 1 FROM a JOIN b USING (k); SELECT 2 FROM c FOR SHARE", "SELECT 1 FROM a JOIN b USING (k) FOR NO KEY UPDATE OF a NOWAIT; SELECT 2 FROM c"}},
		{"guards", guardSites, "UPDATE a SET b = b - $2 WHERE id = $1 AND b >= $2 AND NOT EXISTS (SELECT 1 FROM c WHERE c.id = $1)",
			[]string{"UPDATE a SET b = b - $2 WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM c WHERE c.id = $1)",
				"UPDATE a SET b = b - $2 WHERE id = $1 AND b >= $2"}},
		{"first conjunct of a WHERE", guardSites, "SELECT $2::bigint WHERE (SELECT sum(d) FROM l WHERE w = $1) >= $2::bigint AND $1 > 0",
			[]string{"SELECT $2::bigint WHERE $1 > 0"}},
		{"a guard alone in its WHERE", guardSites, "INSERT INTO m SELECT $1 WHERE NOT EXISTS (SELECT 1 FROM m WHERE k = $1)",
			[]string{"INSERT INTO m SELECT $1"}},
		{"a guard whose parameter nothing else uses stays, made true", guardSites, "SELECT 1 FROM a WHERE id = $1 AND b >= $2",
			[]string{"SELECT 1 FROM a WHERE id = $1 AND (b >= $2 OR TRUE)"}},
		{"equalities are no guards", guardSites, "SELECT 1 FROM a WHERE id = $1 AND k = $2", nil},
		{"on conflict", onConflictSites, "INSERT INTO t VALUES (1) ON CONFLICT (id) DO UPDATE SET v = excluded.v RETURNING id",
			[]string{"INSERT INTO t VALUES (1) RETURNING id"}},
		{"on conflict do nothing", onConflictSites, "INSERT INTO t VALUES (1, 0) ON CONFLICT DO NOTHING;",
			[]string{"INSERT INTO t VALUES (1, 0);"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, e := range c.sites(c.sql) {
				got = append(got, e.apply(c.sql))
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("mutants of %q:\n got %q\nwant %q", c.sql, got, c.want)
			}
		})
	}
}

func TestUniqueSites(t *testing.T) {
	ddl := `CREATE TABLE IF NOT EXISTS g (w bigint REFERENCES x, n text, PRIMARY KEY (w, n));
CREATE TABLE m (w bigint, n text);
CREATE UNIQUE INDEX IF NOT EXISTS m_unique ON m (w, n);`
	names, drops := uniqueSites(ddl)
	want := []string{"unique index m_unique: DROP INDEX m_unique;", "primary key of g: ALTER TABLE g DROP CONSTRAINT g_pkey CASCADE;"}
	var got []string
	for i := range names {
		got = append(got, names[i]+": "+drops[i])
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got %q, want %q", got, want)
	}
}
