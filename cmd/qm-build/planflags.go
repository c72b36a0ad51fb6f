package main

import "github.com/qm-build/qm-build/cmd/internal/cli"

// planFlags are the flags that describe what to build (cli.PlanFlags).
type planFlags = cli.PlanFlags
