package rootfs

// treeFiles are the files the build stages write besides package payloads,
// and the notes for the build summary.
//
// INTEGRATION SEAM: filled in by the stages issue.
func treeFiles(p *Plan, f Facts) ([]TreeFile, []string, error) {
	return nil, nil, nil
}
