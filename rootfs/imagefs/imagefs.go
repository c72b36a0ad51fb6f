package imagefs

// FS is an image. Paths are absolute image paths; the implementation follows
// symbolic links inside the image, as the booted system would.
type FS interface {
	// ReadDir lists directory p, sorted by name; an error when it is missing
	// or not a directory.
	ReadDir(p string) ([]DirEntry, error)
	// ReadFile reads the regular file at p.
	ReadFile(p string) ([]byte, error)
}

// DirEntry is one name of a directory.
type DirEntry struct {
	Name string
	// Dir and Regular give the entry's type after following links inside the
	// image.
	Dir, Regular bool
	// Link is a symbolic link's target as written ("" for other entries).
	Link string
}
