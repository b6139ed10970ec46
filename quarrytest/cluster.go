package quarrytest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// cluster is a throwaway PostgreSQL cluster: a data directory made by
// initdb in a temporary directory and one postgres process serving it on
// a loopback port, for the life of the test binary.
type cluster struct {
	dir     string // temporary directory: data/, the socket, the log
	url     string
	cmd     *exec.Cmd
	done    chan struct{} // closed when postgres has exited
	waitErr error         // postgres's exit status, once done is closed
}

const (
	clusterPrefix = "quarry-pg-"
	startTimeout  = 60 * time.Second
)

// startCluster makes and starts a cluster, or says why it cannot.
func startCluster() (*cluster, error) {
	bin, err := findBinDir()
	if err != nil {
		return nil, err
	}
	cred, err := serverUser()
	if err != nil {
		return nil, err
	}
	base := tempBase(cred != nil)
	removeStale(base)
	dir, err := serverDir(base, cred)
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(dir)
		}
	}()

	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"),
		"-D", data, "-A", "trust", "-U", "postgres", "--no-sync",
		"-E", "UTF8", "--no-locale")
	if err := runTool(initdb, dir, cred, "initdb"); err != nil {
		return nil, err
	}

	c, err := startOnFreePort(bin, dir, cred)
	ok = err == nil
	return c, err
}

// runTool runs a server tool (initdb, pg_basebackup) to its end as the
// server's user, with its output in the error when it fails.
func runTool(cmd *exec.Cmd, dir string, cred *credential, name string) error {
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	c, err := spawn(cmd, dir, cred)
	if err != nil {
		return fmt.Errorf("quarrytest: %s: %w", name, err)
	}
	select {
	case <-c.done:
	case <-time.After(startTimeout):
		c.kill()
		return fmt.Errorf("quarrytest: %s timed out after %v:\n%s", name, startTimeout, out.Bytes())
	}
	if c.waitErr != nil {
		return fmt.Errorf("quarrytest: %s: %v:\n%s", name, c.waitErr, out.Bytes())
	}
	return nil
}

// startOnFreePort starts a server on the data directory in dir on a free
// port; the port may be taken between asking and binding, so it tries
// again.
func startOnFreePort(bin, dir string, cred *credential) (*cluster, error) {
	for attempt := 1; ; attempt++ {
		c, err := startPostgres(bin, dir, cred)
		if err == nil || attempt == 3 || !strings.Contains(err.Error(), "could not bind") {
			return c, err
		}
	}
}

func startPostgres(bin, dir string, cred *credential) (*cluster, error) {
	port, err := freePort()
	if err != nil {
		return nil, fmt.Errorf("quarrytest: %w", err)
	}
	logPath := filepath.Join(dir, "postgres.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("quarrytest: %w", err)
	}
	defer logf.Close() // the child has its own copy
	cmd := exec.Command(filepath.Join(bin, "postgres"),
		"-D", filepath.Join(dir, "data"),
		"-k", dir,
		"-h", "127.0.0.1",
		"-p", strconv.Itoa(port),
		"-c", "fsync=off",
		"-c", "synchronous_commit=off",
		"-c", "full_page_writes=off",
		"-c", "max_connections=200",
		"-c", "TimeZone=UTC",
	)
	cmd.Stdout, cmd.Stderr = logf, logf
	c, err := spawn(cmd, dir, cred)
	if err != nil {
		return nil, fmt.Errorf("quarrytest: start postgres: %w", err)
	}
	c.url = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)

	deadline := time.Now().Add(startTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgx.Connect(ctx, c.url)
		if err == nil {
			err = conn.Ping(ctx)
			conn.Close(ctx)
		}
		cancel()
		if err == nil {
			return c, nil
		}
		select {
		case <-c.done:
			return nil, fmt.Errorf("quarrytest: postgres exited (%v):\n%s", c.waitErr, tail(logPath))
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			c.kill()
			return nil, fmt.Errorf("quarrytest: postgres did not accept connections within %v: %v\n%s", startTimeout, err, tail(logPath))
		}
	}
}

// spawn starts cmd as the server's user, tied to this process.
//
// The parent-death signal is sent when the thread that started the child
// ends, not the process, and the Go runtime ends a thread whose goroutine
// exits while locked to it. So the child is started and waited for by a
// goroutine that holds its thread for the child's whole life.
func spawn(cmd *exec.Cmd, dir string, cred *credential) (*cluster, error) {
	cmd.Dir = dir // initdb and postgres need a working directory they can read
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	cmd.SysProcAttr = sysProcAttr(cred)
	c := &cluster{dir: dir, cmd: cmd, done: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// Never unlocked: the thread ends with this goroutine, after
		// the child has exited.
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		c.waitErr = cmd.Wait()
		close(c.done)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return c, nil
}

// stop shuts the server down (fast shutdown: clients are disconnected)
// and removes the cluster's files.
func (c *cluster) stop() error {
	select {
	case <-c.done:
	default:
		c.cmd.Process.Signal(os.Interrupt)
		select {
		case <-c.done:
		case <-time.After(15 * time.Second):
			c.kill()
		}
	}
	if err := os.RemoveAll(c.dir); err != nil {
		return fmt.Errorf("remove PostgreSQL cluster: %w", err)
	}
	return nil
}

func (c *cluster) kill() {
	c.cmd.Process.Kill()
	<-c.done
}

// findBinDir returns the directory holding initdb and postgres: the first
// on PATH, else the newest /usr/lib/postgresql/*/bin (where Debian puts
// them, off PATH).
func findBinDir() (string, error) {
	var dirs []string
	if p, err := exec.LookPath("initdb"); err == nil {
		dirs = append(dirs, filepath.Dir(p))
	}
	if p, err := exec.LookPath("postgres"); err == nil {
		dirs = append(dirs, filepath.Dir(p))
	}
	debian, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(debian, func(a, b string) int { return versionOf(b) - versionOf(a) })
	dirs = append(dirs, debian...)
	for _, d := range dirs {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	return "", errors.New("quarrytest: no PostgreSQL server binaries (initdb and postgres) on PATH nor in /usr/lib/postgresql/*/bin; " +
		"install them (apt-get install postgresql) or set " + EnvPostgres)
}

func versionOf(bin string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(bin)))
	return v
}

func isExec(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// tempBase returns the directory for the cluster. A server run as another
// user must be able to reach it, so when TMPDIR is private /tmp is used.
func tempBase(otherUser bool) string {
	base := os.TempDir()
	if !otherUser {
		return base
	}
	for d := base; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil || fi.Mode().Perm()&0o001 == 0 {
			return "/tmp"
		}
		if d == filepath.Dir(d) {
			return base
		}
	}
}

// removeStale removes the clusters left in base by test binaries that
// died before their clean-up, once neither they nor their server runs.
func removeStale(base string) {
	dirs, _ := filepath.Glob(filepath.Join(base, clusterPrefix+"*"))
	for _, d := range dirs {
		owner, err := readPid(filepath.Join(d, "owner.pid"))
		if err != nil || pidAlive(owner) {
			continue
		}
		if pm, err := readPid(filepath.Join(d, "data", "postmaster.pid")); err == nil && pidAlive(pm) {
			continue
		}
		os.RemoveAll(d)
	}
}

func readPid(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strconv.Atoi(strings.TrimSpace(line))
}

// tail returns the end of the server's log, for error messages.
func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// serverDir makes the directory of a server this process starts, under
// base: with the owner's pid in it, which lets a later run remove it if
// this binary dies without running Main's clean-up, and owned by the
// server's user (cred) when the tests run as root.
func serverDir(base string, cred *credential) (string, error) {
	dir, err := os.MkdirTemp(base, clusterPrefix)
	if err != nil {
		return "", fmt.Errorf("quarrytest: %w", err)
	}
	err = os.WriteFile(filepath.Join(dir, "owner.pid"), []byte(strconv.Itoa(os.Getpid())), 0o644)
	if err == nil && cred != nil {
		err = os.Chown(dir, int(cred.Uid), int(cred.Gid))
	}
	if err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("quarrytest: %w", err)
	}
	return dir, nil
}
