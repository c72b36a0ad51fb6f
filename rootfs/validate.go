package rootfs

import "github.com/qm-build/qm-build/rpmspec"

// validateOptions checks and normalises the QM container and BlueChi options.
// Each problem names its flag.
func validateOptions(o *Options) rpmspec.Errors {
	var errs rpmspec.Errors
	switch o.Arch {
	case "x86_64", "aarch64":
	default:
		errs = append(errs, &rpmspec.InputError{Field: "--arch", Msg: "unknown architecture " + `"` + o.Arch + `"` + "; supported: x86_64, aarch64"})
	}
	return errs
}
