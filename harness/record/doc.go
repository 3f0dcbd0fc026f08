// Package record turns operations into history events: it writes the invoke,
// runs the operation, decides from its error whether it happened (ok), surely
// did not (fail) or may have (info), and writes the completion. The stress
// runner and the scheduler record through the same Recorder; only their
// clocks differ.
package record
