package main

import "context"

// PLACEHOLDER: replaced by the issue that owns this command.
func cmdBluechi(ctx context.Context, e *env, args []string) error {
	return errNotYet
}
