package main

import "context"

// PLACEHOLDER: replaced by the issue that owns this command.
func cmdOsbuildStage(ctx context.Context, e *env, args []string) error {
	return errNotYet
}

const osbuildStageName = "org.osbuild.qm"

// PLACEHOLDER
func runOsbuildStage(ctx context.Context, e *env) int { return exitFailure }
