package selinux

import "golang.org/x/sys/unix"

func setxattr(p, ctx string) error {
	return unix.Lsetxattr(p, XattrName, []byte(ctx+"\x00"), 0)
}
