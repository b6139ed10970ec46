package quarrytest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"syscall"
)

type credential = syscall.Credential

// serverUser returns the user to run initdb and postgres as: nil (this
// process's user) unless this process is root, which PostgreSQL refuses
// to run as; then the postgres user, created if missing.
func serverUser() (*credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if errors.As(err, new(user.UnknownUserError)) {
		shell := "/usr/sbin/nologin"
		if _, err := os.Stat(shell); err != nil {
			shell = "/bin/false"
		}
		out, addErr := exec.Command("useradd", "--system", "--user-group", "--no-create-home",
			"--home-dir", "/nonexistent", "--shell", shell, "postgres").CombinedOutput()
		// Another test binary may have added it meanwhile: look again.
		if u, err = user.Lookup("postgres"); err != nil && addErr != nil {
			return nil, fmt.Errorf("quarrytest: running as root, and cannot add the postgres user to run the server: %v: %s", addErr, out)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("quarrytest: running as root, and cannot find the postgres user to run the server: %w", err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("quarrytest: postgres user: %w", err)
	}
	return &credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// sysProcAttr runs a child in its own process group (a Ctrl-C for go test
// does not reach it directly), as cred when not nil, and has the kernel
// send it SIGTERM when its parent dies, so no server outlives the test
// binary. Go sets the parent-death signal after changing the credentials,
// which would otherwise clear it.
func sysProcAttr(cred *credential) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{
		Setpgid:    true,
		Pdeathsig:  syscall.SIGTERM,
		Credential: cred,
	}
}

func pidAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
