package main

import (
	"context"
	"fmt"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/config"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/queue"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
)

func runMigrate(ctx context.Context, env *environment, args []string) error {
	if err := newFlags(env, "migrate", "").Parse(args); err != nil {
		return err
	}
	cfg, err := config.Load(env.lookup, env.envFile, false)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir) // applies our migrations
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := queue.Open(ctx, db, queue.Options{}); err != nil { // applies River's
		return err
	}
	v, err := db.Version(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "database %s at schema version %d (this build knows %d)\n", db.Path, v, store.SchemaVersion())
	return nil
}
