// Package kargs reads the kernel command line an image boots with, from every
// place an image can set it:
//
//   - /etc/kernel/cmdline (or /usr/lib/kernel/cmdline), which kernel-install
//     copies into the boot entries it writes;
//   - /usr/lib/bootc/kargs.d/*.toml (bootc: kargs = [...], optionally limited by
//     match-architectures = [...]);
//   - /etc/default/grub (GRUB_CMDLINE_LINUX and GRUB_CMDLINE_LINUX_DEFAULT);
//   - Boot Loader Specification entries (/boot/loader/entries/*.conf,
//     /efi/loader/entries, /boot/efi/loader/entries: their "options" lines).
//
// Each place is a Source with the file and line it came from. Parsing follows
// the kernel's parse_args(): words separated by blanks, double quotes
// grouping blanks into a word (and removed), "key=value" or a bare key; the
// last occurrence of a key wins.
package kargs
