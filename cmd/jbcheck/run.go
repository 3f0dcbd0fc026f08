package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"jbcheck.dev/jbcheck/harness/app"
	"jbcheck.dev/jbcheck/harness/fault"
	"jbcheck.dev/jbcheck/harness/postgres"
	"jbcheck.dev/jbcheck/harness/stress"
	"jbcheck.dev/jbcheck/harness/workload"
	"jbcheck.dev/jbcheck/histories"
)

func init() {
	register(command{
		name:    "run",
		summary: "stress a variant with concurrent clients, record the history, check it",
		usage: `jbcheck run (--variant NAME | --app CONFIG) [--clients N] [--worlds N] [--ops N | --duration D]
            [--seed S] [--mix OP=W,...] [--faults LIST [--fault-interval D]]
            [--burst-every D] [--out DIR] [--dsn DSN] [--json]

Runs N clients, each on its own PostgreSQL connection, really concurrently,
calling random operations on a few small worlds; records every call in
DIR/history.jsonl as it happens; then checks the history (linearizability
with porcupine, invariants I1–I6 on a final audit of every world). About
every second (or 10,000 calls) a barrier holds the clients between two
calls and records every world's state: the history is checked one segment
between two barriers at a time, in bounded memory (none with --faults; see
docs/segments.md). On a
violation, DIR/history.html shows the violating world. Ctrl-C stops the run
cleanly: the history is complete up to that point and is still checked,
and the exit status is 130 (143 for SIGTERM) whatever it shows: an
interrupted run is not a pass.

With --app CONFIG the clients are HTTP calls to a real application
(docs/real-apps.md), its SQL passed through jbcheck's relay unheld; its
background job is triggered every --worker-interval (50ms), and at the end
until two rounds change nothing. The operations it lacks are left out of
the mix; --faults does not apply.

--faults kill,crash,lose-reply,cancel,pause runs a nemesis that injects one
of them every --fault-interval (1s), drawn with the seed: crash and pause
hit the server (they need the embedded cluster), kill, cancel and
lose-reply one client's session. Clients reconnect and go on; a call whose
connection was lost is sent again once under the same operation id. The
verdict then judges atomicity (A), and durability (D) when a crash was
injected, and says how many faults of each kind were injected and how many
calls they cut off. See docs/faults.md.

--burst-every D fires a burst every D: every client ends its call and waits
at a start gate, then all make the same kind of call on one hot row at once
(transfers of more than half a wallet, the last seat of a group, one
membership left by all, deposits into one wallet), so that their
statements overlap inside the server — a race inside one statement that
calls drawn one by one seldom meet (docs/hunting.md, "Bursts"). jbcheck hunt
fires one every 10ms. Not with --faults, nor --app.

Without --dsn (or PGHOST), an embedded PostgreSQL is started and removed
afterwards. With one, jbcheck creates and uses only a database of its own,
jbcheck_<random>, and drops it at the end (a killed run's is left for
jbcheck clean). Give its password in PGPASSWORD, ~/.pgpass or PGPASSFILE:
on the command line, ps shows it to every local user.`,
		run: runRun,
	})
}

func runRun(ctx context.Context, args []string) error {
	fs := newFlagSet("run")
	variantName := fs.String("variant", "", "the variant to run (see `jbcheck variants`); this or --app")
	appPath := appFlag(fs)
	clients := fs.Int("clients", 8, fmt.Sprintf("concurrent clients, each with its own connection (1 to %d)", maxClients))
	worlds := fs.Int("worlds", 4, "worlds the clients share (fewer worlds, more contention)")
	ops := fs.Int("ops", 4000, "operations to run in all (not with --duration)")
	duration := fs.Duration("duration", 0, "run for this long instead of a number of operations (not with --ops)")
	seed := fs.Int64("seed", 0, "seed for the worlds and the calls (0: pick one and print it)")
	mixText := fs.String("mix", workload.DefaultMix.String(), "operation weights")
	workerInterval := fs.Duration("worker-interval", 0, "pause between a background worker's idle rounds (0: the variant's own)")
	outDir := fs.String("out", "", "directory for history.jsonl and history.html (default out/VARIANT-TIME)")
	dsn := fs.String("dsn", "", "an existing server to use instead of the embedded one (only a jbcheck_* database is touched)")
	checkTimeout := fs.Duration("check-timeout", 30*time.Second, "porcupine's time limit per world")
	asJSON := fs.Bool("json", false, "print the verdict as JSON")
	faultList := fs.String("faults", "", "inject these faults, comma-separated: "+strings.Join(fault.Names(), ", "))
	faultInterval := fs.Duration("fault-interval", time.Second, "the pause between two faults (with --faults)")
	burstEvery := fs.Duration("burst-every", 0, "fire a burst (every client the same kind of call on one hot row at once) every this long (0: none)")
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if *variantName == "" && *appPath == "" {
		return fmt.Errorf("%w: run needs --variant NAME (see `jbcheck variants`) or --app CONFIG", errUsage)
	}
	t, err := loadTarget(*variantName, *appPath, nil)
	if err != nil {
		return err
	}
	if t.app != nil && *faultList != "" {
		return fmt.Errorf("%w: --faults with --app: the faults act on jbcheck's own connections, an application's are its own", errUsage)
	}
	switch {
	case *burstEvery < 0:
		return fmt.Errorf("%w: --burst-every %v: give a positive time, such as 10ms, or 0 for none", errUsage, *burstEvery)
	case *burstEvery > 0 && *faultList != "":
		return fmt.Errorf("%w: --burst-every with --faults: a run with faults fires no burst (a fault would cut a burst's calls off); give one of them", errUsage)
	case *burstEvery > 0 && t.app != nil:
		return fmt.Errorf("%w: --burst-every with --app: bursts are drawn by jbcheck's own clients; an application's run has none", errUsage)
	}
	mix, err := workload.ParseMix(*mixText)
	if err != nil {
		return fmt.Errorf("%w: --mix: %v", errUsage, err)
	}
	if err := checkRunFlags(fs, *clients, *worlds, *ops, *duration, *workerInterval, *checkTimeout); err != nil {
		return err
	}
	faults, err := parseFaults(fs, *faultList, *faultInterval, *dsn)
	if err != nil {
		return err
	}
	if *duration > 0 {
		*ops = 0
	}
	if *seed == 0 {
		*seed = time.Now().UnixNano() % 1_000_000
	}
	if *outDir == "" {
		*outDir = filepath.Join("out", fmt.Sprintf("%s-%s", t.name(), time.Now().Format("20060102-150405")))
	}
	out, err := openOutput(*outDir)
	if err != nil {
		return err
	}
	defer closeOutput(out)
	historyPath := filepath.Join(*outDir, "history.jsonl")
	file, err := os.Create(historyPath)
	if err != nil {
		return err
	}
	defer file.Close()

	server, err := startServer(ctx, *dsn)
	if err != nil {
		return err
	}
	defer stopServer(server)
	for _, f := range faults {
		if err := f.Applies(server); err != nil {
			return fmt.Errorf("%w: --faults: %v", errUsage, err)
		}
	}
	progress := os.Stderr
	fmt.Fprintf(progress, "jbcheck: %s on %s, %d clients, %d worlds, seed %d\n", t.name(), server, *clients, *worlds, *seed)
	var onProgress func(int64)
	if isTerminal(os.Stderr) {
		start := time.Now()
		onProgress = func(done int64) {
			of := ""
			switch {
			case *duration > 0:
				of = fmt.Sprintf(" in %.0fs of %v", time.Since(start).Seconds(), *duration)
			case *ops > 0:
				of = fmt.Sprintf(" of %d", *ops)
			}
			fmt.Fprintf(progress, "\r%d operations%s, %.0f/s ", done, of, float64(done)/time.Since(start).Seconds())
		}
	}
	var summary stress.Summary
	var runErr error
	if t.app != nil {
		summary, runErr = stressApp(ctx, server, t.app, app.Stress{Clients: *clients, Worlds: *worlds, Ops: *ops, Duration: *duration,
			Seed: *seed, Mix: mix, JobInterval: *workerInterval, History: file, Command: commandLine("run", args)})
	} else {
		summary, runErr = stress.Run(ctx, stress.Config{
			Server: server, Variant: t.variant, Clients: *clients, Worlds: *worlds, Ops: *ops, Duration: *duration,
			Seed: *seed, Mix: mix, WorkerInterval: *workerInterval, History: file, Progress: onProgress,
			Command: commandLine("run", args), Faults: faults, FaultInterval: *faultInterval, BurstEvery: *burstEvery,
		})
	}
	if onProgress != nil {
		fmt.Fprintln(progress)
	}
	if runErr != nil && !errors.Is(runErr, context.Canceled) {
		return runErr
	}
	if ctx.Err() != nil {
		fmt.Fprintln(progress, "jbcheck: interrupted; checking what was recorded")
	}
	if err := file.Close(); err != nil {
		return err
	}
	// The verdict is the history's, read back from the file one event at a
	// time: exactly what `jbcheck check` would say of it.
	v2, _, err := checkHistory(context.Background(), historyPath, histories.CheckOptions{Timeout: *checkTimeout})
	if err != nil {
		return err
	}
	picture, err := histories.WritePictureFile(histories.FilesOf(historyPath).Picture, nil, v2)
	if err != nil {
		return err
	}
	plot, err := histories.PlotHistoryFile(filepath.Join(*outDir, "plot.svg"), historyPath)
	if err != nil {
		return err
	}
	if !*asJSON {
		fmt.Printf("%s: %d operations in %.2fs (%.0f ops/s): %d ok, %d fail, %d info\nhistory: %s (%d barriers: %d segments checked)\n",
			t.name(), summary.Ops, summary.Elapsed.Seconds(), summary.OpsPerSecond(), summary.OK, summary.Fail, summary.Info, historyPath,
			summary.Barriers, v2.Segments)
		fmt.Printf("plot: %s\n", plot)
		if *burstEvery > 0 {
			fmt.Printf("bursts: %d (every %v)\n", summary.Bursts, *burstEvery)
		}
		if len(faults) > 0 {
			fmt.Println(faultLine(faults, summary))
		}
	}
	fields := map[string]any{
		"variant": t.name(), "seed": *seed, "ops": summary.Ops, "ok": summary.OK, "fail": summary.Fail, "info": summary.Info,
		"seconds": summary.Elapsed.Seconds(), "ops_per_second": summary.OpsPerSecond(),
		"barriers": summary.Barriers, "segments": v2.Segments,
	}
	if *burstEvery > 0 {
		fields["bursts"] = summary.Bursts
	}
	if len(faults) > 0 {
		fields["faults"], fields["faults_missed"], fields["retried"] = summary.Faults, summary.FaultsMissed, summary.Retried
	}
	return finishVerdict(v2, historyPath, picture, *asJSON, fields)
}

// parseFaults reads --faults and --fault-interval, and refuses, before
// anything starts, faults a server reached through --dsn or PGHOST cannot
// take (crash and pause need the embedded cluster).
func parseFaults(fs *flag.FlagSet, list string, interval time.Duration, dsn string) ([]fault.Fault, error) {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	if !given["faults"] {
		if given["fault-interval"] {
			return nil, fmt.Errorf("%w: --fault-interval without --faults: say which faults to inject (run `jbcheck help run`)", errUsage)
		}
		return nil, nil
	}
	faults, err := fault.Parse(list)
	if err != nil {
		return nil, fmt.Errorf("%w: --faults: %v", errUsage, err)
	}
	if interval <= 0 {
		return nil, fmt.Errorf("%w: --fault-interval %v: give a positive time, such as 500ms", errUsage, interval)
	}
	if dsn != "" || os.Getenv("PGHOST") != "" {
		for _, f := range faults {
			if err := f.Applies(nil); err != nil {
				return nil, fmt.Errorf("%w: --faults: %v", errUsage, err)
			}
		}
	}
	return faults, nil
}

// faultLine says what the faults did: how many of each kind, and how many
// calls they cut off.
func faultLine(faults []fault.Fault, s stress.Summary) string {
	parts := make([]string, len(faults))
	for i, f := range faults {
		parts[i] = fmt.Sprintf("%d %s", s.Faults[f.Name()], f.Name())
	}
	return fmt.Sprintf("faults: %s; calls cut off: %d info, %d sent again after a lost connection", strings.Join(parts, ", "), s.Info, s.Retried)
}

// maxClients bounds --clients: a run also holds a control connection, an
// auditor's and a background worker's, and the embedded cluster allows
// postgres.MaxConnections in all (a --dsn server may allow fewer).
const maxClients = postgres.MaxConnections - 10

// checkRunFlags refuses, before anything starts, the flags a run cannot
// honour.
func checkRunFlags(fs *flag.FlagSet, clients, worlds, ops int, duration, workerInterval, checkTimeout time.Duration) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var problem string
	switch {
	case clients < 1 || clients > maxClients:
		problem = fmt.Sprintf("--clients %d: give 1 to %d (each client is a connection, and the embedded cluster allows %d)", clients, maxClients, postgres.MaxConnections)
	case worlds < 1:
		problem = fmt.Sprintf("--worlds %d: give at least 1", worlds)
	case given["ops"] && given["duration"]:
		problem = "--ops and --duration both given: a run ends after a number of operations or after a time, give one"
	case given["duration"] && duration <= 0:
		problem = fmt.Sprintf("--duration %v: give a positive time, such as 30s", duration)
	case ops < 1:
		problem = fmt.Sprintf("--ops %d: give at least 1", ops)
	case workerInterval < 0:
		problem = fmt.Sprintf("--worker-interval %v: give 0 (the variant's own) or a positive time", workerInterval)
	case checkTimeout <= 0:
		problem = fmt.Sprintf("--check-timeout %v: give a positive time", checkTimeout)
	default:
		return nil
	}
	return fmt.Errorf("%w: %s (run `jbcheck help run`)", errUsage, problem)
}
