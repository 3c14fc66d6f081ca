package main

import (
	"context"
	"fmt"
	"runtime"
)

func runVersion(_ context.Context, env *environment, args []string) error {
	if err := newFlags(env, "version", "").Parse(args); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "claude-gitlab %s (commit %s, %s %s/%s)\n", version, commit, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}
