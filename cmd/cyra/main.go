// Command cyra is the EU Cyber Resilience Act compliance platform: one
// binary that serves the web UI and API and runs the admin commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"cyra/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
