package quarrytest

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ServePostgres gives a program that is not a test binary (a benchmark
// harness, say) what [PostgresURL] gives a test: the URL of a fresh,
// empty schema (the search_path of its connections) on the server the
// package documentation describes, started here unless
// QUARRY_TEST_POSTGRES names one. stop drops the schema and stops the
// server that was started, removing its files: call it before the
// program exits. On Linux a server outlives no program either, and the
// next run removes what a killed one left behind.
//
// Tests use [Postgres] or [PostgresURL] with [Main] instead: they tie
// the schema to the test and the server to the test binary.
func ServePostgres() (url string, stop func() error, err error) {
	// This caller takes on what Main does for a test binary: stopping the
	// server (through stop).
	mainCalled.Store(true)
	srv, err := getServer()
	if err != nil {
		return "", nil, err
	}
	name := schemaName("program")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := srv.admin.Exec(ctx, "CREATE SCHEMA "+name); err != nil {
		return "", nil, errors.Join(fmt.Errorf("quarrytest: create schema %s: %w", name, err), shutdown())
	}
	stop = func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var dropErr error
		if _, err := srv.admin.Exec(ctx, "DROP SCHEMA IF EXISTS "+name+" CASCADE"); err != nil {
			dropErr = fmt.Errorf("quarrytest: drop schema %s: %w", name, err)
		}
		return errors.Join(dropErr, shutdown())
	}
	url, err = withSearchPath(srv.url, name)
	if err != nil {
		return "", nil, errors.Join(err, stop())
	}
	return url, stop, nil
}
