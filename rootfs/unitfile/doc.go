// Package unitfile is a lossless model of systemd unit files and the files
// that share their syntax (quadlet .container files and .d/*.conf drop-ins),
// as systemd.syntax(5) describes them:
//
//   - a file is a sequence of [Section] headers, each followed by KEY=VALUE
//     entries; a section name may repeat and the repeats count as one section;
//   - lines starting with '#' or ';' are comments, blank lines are ignored;
//   - a line ending in a backslash continues on the next line, the backslash
//     being replaced by a space; comment and blank lines inside a continued
//     entry are skipped;
//   - whitespace around keys and values is not significant;
//   - a key may repeat: single-valued settings take the last value, list
//     settings accumulate, and an empty assignment (KEY=) resets the list.
//
// Parse keeps every physical line, so Write reproduces its input byte for byte;
// entries added in code are written as KEY=VALUE. Every entry remembers the file
// and line it came from, so that callers (the offline checker) can report
// findings as file:line. Merge combines a unit with its drop-ins the way podman's
// quadlet generator and systemd do (drop-ins in file-name order, later wins).
//
// The model follows podman's pkg/systemd/parser in spirit (groups, keys and
// comments in order); it is written here and shares no code with it.
package unitfile
