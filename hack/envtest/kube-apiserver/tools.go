//go:build tools

// Package tools records the build dependency on kube-apiserver so that
// "go mod tidy" keeps it in go.mod.
package tools

import _ "k8s.io/kubernetes/cmd/kube-apiserver"
