// Copyright 2019 Google LLC
//
// Licensed under the Apache License, Version 2.0 (the "License");
// you may not use this file except in compliance with the License.
// You may obtain a copy of the License at
//
//      http://www.apache.org/licenses/LICENSE-2.0
//
// Unless required by applicable law or agreed to in writing, software
// distributed under the License is distributed on an "AS IS" BASIS,
// WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
// See the License for the specific language governing permissions and
// limitations under the License.

// Package rpmpack packs files to rpm files.
// It is designed to be simple to use and deploy, not requiring any filesystem access
// to create rpm files.
//
// This is github.com/google/rpmpack v0.7.1 (Apache-2.0, LICENSE beside this
// file) with one change, marked "qm-build:" in rpm.go and zstd.go: zstd encoders are
// pooled and reset rather than made anew for every package, which writes the
// same bytes without allocating an encoder's tables each time (most of what
// `qm-build rpm` spent). The tar import and the tests stay upstream; qm-build's
// own tests check the writer against rpmbuild and rpm.
package rpmpack
