package manifest

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/qm-build/qm-build/blueprints"
	"github.com/qm-build/qm-build/rpmspec"

	"github.com/osbuild/images/pkg/depsolvednf"
	imanifest "github.com/osbuild/images/pkg/manifest"
	"github.com/osbuild/images/pkg/osbuild"
	"github.com/osbuild/images/pkg/rpmmd"
)

// Serialize resolves the requests against lock (own replaces the lock's
// entries for qm-build's own packages) and writes the manifest: indented
// JSON, the same bytes for the same inputs.
func (m *Manifest) Serialize(lock *blueprints.Lock, own ...blueprints.LockedPackage) ([]byte, error) {
	pkgs, err := m.resolve(lock, own)
	if err != nil {
		return nil, err
	}
	depsolved := map[string]depsolvednf.DepsolveResult{}
	for _, pl := range []string{blueprints.PipelineBuild, blueprints.PipelineOS} {
		depsolved[pl] = depsolvednf.DepsolveResult{Transactions: depsolvednf.TransactionList{pkgs[pl]}}
	}
	base, err := m.im.Serialize(depsolved, nil, nil, nil, &imanifest.SerializeOptions{RpmDownloader: osbuild.RpmDownloaderCurl})
	if err != nil {
		return nil, fmt.Errorf("serializing the base manifest: %w", err)
	}
	var raw rawManifest
	dec := json.NewDecoder(bytes.NewReader(base))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("decoding images' manifest: %w", err)
	}
	var inline []string
	qm, err := m.qmRootfsPipeline(pkgs[blueprints.PipelineQMRootfs], &inline)
	if err != nil {
		return nil, err
	}
	additive, injected, err := m.osStages(&inline)
	if err != nil {
		return nil, err
	}
	if err := raw.insertPipelineBefore(blueprints.PipelineOS, qm); err != nil {
		return nil, err
	}
	if err := raw.inject(blueprints.PipelineOS, "org.osbuild.selinux", false, injected); err != nil {
		return nil, err
	}
	if err := raw.inject(blueprints.PipelineOS, "org.osbuild.rpm", true, additive); err != nil {
		return nil, err
	}
	sources, err := osbuild.GenSources(osbuild.SourceInputs{
		Depsolved:  depsolvednf.DepsolveResult{Transactions: depsolvednf.TransactionList{pkgs[blueprints.PipelineQMRootfs]}},
		InlineData: inline,
		Containers: nestedSpecs(m.nested()),
	}, osbuild.RpmDownloaderCurl)
	if err != nil {
		return nil, fmt.Errorf("generating sources: %w", err)
	}
	if err := raw.mergeSources(sources); err != nil {
		return nil, err
	}
	out, err := json.MarshalIndent(raw, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// qmRootfsPipeline is qm_rootfs: QM's package set installed with
// org.osbuild.rpm (no dracut: there is no kernel in QM), then the tree
// files that land under /usr/lib/qm/rootfs, /etc/qm and /var/qm.
func (m *Manifest) qmRootfsPipeline(pkgs rpmmd.PackageList, inline *[]string) (rawPipeline, error) {
	p := rawPipeline{Name: blueprints.PipelineQMRootfs, Build: "name:" + blueprints.PipelineBuild}
	rpmStages, err := osbuild.GenRPMStagesFromTransactions(depsolvednf.TransactionList{pkgs}, &osbuild.RPMStageOptions{DisableDracut: true})
	if err != nil {
		return p, fmt.Errorf("qm_rootfs rpm stage: %w", err)
	}
	stages := make([]any, 0, len(rpmStages)+5)
	for _, s := range rpmStages {
		stages = append(stages, s)
	}
	if !m.opts.QMStage {
		tree, err := treeStages(m.place.rootfs, inline)
		if err != nil {
			return p, err
		}
		stages = append(stages, tree...)
		stages = append(stages, nestedStages(m.nested())...)
	}
	return p, p.addStages(stages)
}

// qmDirs are the directories the os pipeline creates for QM before it copies
// the qm_rootfs tree in (AIB: mkdir with parents and exist_ok).
var qmDirs = []string{rpmspec.QMRootfs, rpmspec.QMEtc, rpmspec.QMVar, rpmspec.QMVar + "/tmp"}

// osStages are what qm-build adds to os. The main part goes before
// org.osbuild.selinux, so that the qm module's file contexts label
// /usr/lib/qm, /etc/qm and /var/qm: the QM directories, one org.osbuild.copy
// of the qm_rootfs tree (/ to the rootfs, etc/ to /etc/qm, var/ to /var/qm),
// then QM's host-side files. The additive files (host /etc/subuid and
// /etc/subgid ranges) go right after the package installation instead:
// they replace the files the packages ship (empty ones), and the users the
// blueprint creates later get their own ranges appended by useradd. With
// QMStage, the org.osbuild.qm stage writes all of QM's files instead (it
// merges those lines itself).
func (m *Manifest) osStages(inline *[]string) (additive, main []any, err error) {
	const input = "tree"
	copyStage := osbuild.NewCopyStageSimple(&osbuild.CopyStageOptions{Paths: []osbuild.CopyStagePath{
		{From: "input://" + input + "/", To: "tree://" + qmDirs[0] + "/"},
		{From: "input://" + input + "/etc/", To: "tree:///etc/qm/"},
		{From: "input://" + input + "/var/", To: "tree:///var/qm/"},
	}}, osbuild.NewPipelineTreeInputs(input, blueprints.PipelineQMRootfs))
	main = []any{mkdirStage(append([]string(nil), qmDirs...)), copyStage}
	if m.opts.QMStage {
		s, err := newQMStage(m.opts.Content.Plan)
		if err != nil {
			return nil, nil, err
		}
		return nil, append(main, s), nil
	}
	var merged, rest []entry
	for _, e := range m.place.host {
		if e.file.Merge {
			merged = append(merged, e)
		} else {
			rest = append(rest, e)
		}
	}
	if additive, err = treeStages(merged, inline); err != nil {
		return nil, nil, err
	}
	host, err := treeStages(rest, inline)
	if err != nil {
		return nil, nil, err
	}
	return additive, append(main, host...), nil
}
