//go:build qmbuild_testhooks

package crash

// hook panics when QM_BUILD_TEST_PANIC is set (test builds only).
func hook(getenv func(string) string) {
	if v := getenv("QM_BUILD_TEST_PANIC"); v != "" {
		panic("test panic: " + v)
	}
}
