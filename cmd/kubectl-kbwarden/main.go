// Command kubectl-kbwarden is the kubectl plugin of kbwarden. Its explain
// command answers the question a user asks when a document is missing from
// a knowledge base's answers, or shows up where it should not: which of the
// KnowledgeBase's ACL rules apply to this document, whom do they allow and
// deny, and can anybody retrieve it at all (deny by default, deny wins)?
//
//	kubectl kbwarden explain sidekick-dev hr/confidential/plan.pdf -n kb
//	kubectl kbwarden explain kb/sidekick-dev s3://acme-corp-docs/sales/q3.pdf -o json
//
// With the binary on PATH, kubectl finds it by its name. It reads the
// KnowledgeBase from the cluster and compiles spec.accessControl.rules with
// internal/acl, the code the controller writes the ACL files with, so the
// answer is what kbwarden writes (or would write) for that key. It also
// says, from status, whether those files are written and ingested yet.
//
// Why a kubectl plugin and not a subcommand of the manager binary:
//   - It runs as the user: their kubeconfig, context and RBAC. Reading a
//     KnowledgeBase with `get` on knowledgebases is all it needs, so whoever
//     may read the object may explain it, and nobody borrows the manager's
//     ServiceAccount or its AWS role to do so.
//   - It needs neither AWS nor the manager: the explanation comes from the
//     spec, so it works before the first reconcile, under driftPolicy
//     Observe, and with the controller down.
//   - The manager image stays minimal (one binary on distroless, no shell):
//     a subcommand there would mean `kubectl exec` into the controller, with
//     the RBAC that takes, or shipping a CLI's flags and kubeconfig handling
//     in the image of a long-running controller.
//   - kubectl plugins are how users expect to extend kubectl, and a single
//     static binary installs by copying it onto PATH (or through krew).
//
// Exit status: 0 when the key was explained, including when nobody can
// retrieve the document; 1 when it cannot be explained (no such
// KnowledgeBase, ACLs off, a key that is not a document of the data source,
// an API error); 2 for a usage error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"sigs.k8s.io/controller-runtime/pkg/client"
)

const usage = `kubectl kbwarden: kbwarden's kubectl plugin.

Usage:
  kubectl kbwarden explain KNOWLEDGEBASE KEY [flags]

explain says which of the KnowledgeBase's ACL rules apply to the document at
KEY, whom they allow and deny, who can retrieve it, and whether nobody can
(deny by default; deny wins). KEY is an object key in spec.documents.bucket,
or s3://BUCKET/KEY. KNOWLEDGEBASE is a name, or kb/NAME. Put -- before a key
that starts with a dash.

Flags:
  -n, --namespace NAME   namespace of the KnowledgeBase (default: the
                         kubeconfig context's namespace)
  -o, --output FORMAT    text (default) or json
      --kubeconfig PATH  kubeconfig file (default: $KUBECONFIG, ~/.kube/config)
      --context NAME     kubeconfig context (default: the current context)

Examples:
  kubectl kbwarden explain sidekick-dev hr/confidential/plan.pdf -n kb
  kubectl kbwarden explain kb/sidekick-dev s3://acme-corp-docs/sales/q3.pdf -o json

Exit status: 0 when KEY was explained (even if nobody can retrieve it), 1 when
it could not be, 2 for a usage error.
`

// connectFunc returns a client of the user's cluster and the namespace of
// the kubeconfig context (default when it names none).
type connectFunc func(kubeconfig, kubeContext string) (client.Reader, string, error)

// cli is the plugin with its outside world: main wires it to the terminal
// and the user's kubeconfig, tests to buffers and a fake client.
type cli struct {
	stdout, stderr io.Writer
	connect        connectFunc
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	c := &cli{stdout: os.Stdout, stderr: os.Stderr, connect: connectKubeconfig}
	code := c.run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// usageError is a mistake in the command line; it exits 2 with a hint.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// run runs the command line args (without the program name) and returns the
// exit status.
func (c *cli) run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(c.stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "explain":
		err = c.explain(ctx, args[1:])
	case "help", "-h", "-help", "--help":
		fmt.Fprint(c.stdout, usage)
		return 0
	default:
		err = usagef("unknown command %q", args[0])
	}
	var ue *usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(c.stdout, usage)
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(c.stderr, "error: %s\nRun 'kubectl kbwarden help' for usage.\n", ue.msg)
		return 2
	default:
		fmt.Fprintf(c.stderr, "error: %s\n", err)
		return 1
	}
}

// explainOptions are the flags of explain.
type explainOptions struct {
	namespace, output, kubeconfig, kubeContext string
}

func (c *cli) explain(ctx context.Context, args []string) error {
	var o explainOptions
	fs := flag.NewFlagSet("explain", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported once, by run
	for _, name := range []string{"n", "namespace"} {
		fs.StringVar(&o.namespace, name, "", "namespace of the KnowledgeBase")
	}
	for _, name := range []string{"o", "output"} {
		fs.StringVar(&o.output, name, "text", "output format: text or json")
	}
	fs.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig file")
	fs.StringVar(&o.kubeContext, "context", "", "kubeconfig context")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usagef("%v", err)
	}
	if len(pos) != 2 {
		return usagef("explain takes a KnowledgeBase and a key, got %d arguments", len(pos))
	}
	if !slices.Contains([]string{"text", "json"}, o.output) {
		return usagef("--output must be text or json, not %q", o.output)
	}
	name, err := knowledgeBaseName(pos[0])
	if err != nil {
		return err
	}

	cl, namespace, err := c.connect(o.kubeconfig, o.kubeContext)
	if err != nil {
		return err
	}
	if o.namespace != "" {
		namespace = o.namespace
	}
	if namespace == "" {
		namespace = "default"
	}
	kb, err := getKnowledgeBase(ctx, cl, namespace, name)
	if err != nil {
		return err
	}
	r, err := explainKey(kb, pos[1])
	if err != nil {
		return err
	}
	if o.output == "json" {
		return r.writeJSON(c.stdout)
	}
	_, err = io.WriteString(c.stdout, r.text())
	return err
}

// parseInterspersed parses flags wherever they are among the positional
// arguments, as kubectl does (the flag package stops at the first
// positional argument), and returns the positional arguments. After "--"
// everything is positional.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// knowledgeBaseName accepts NAME or TYPE/NAME with the resource's names
// kubectl knows (kb/NAME, knowledgebase/NAME, ...).
func knowledgeBaseName(arg string) (string, error) {
	kind, name, found := strings.Cut(arg, "/")
	if !found {
		name, kind = arg, ""
	}
	switch strings.ToLower(kind) {
	case "", "kb", "knowledgebase", "knowledgebases",
		"knowledgebase.knowledge.kbwarden.io", "knowledgebases.knowledge.kbwarden.io":
	default:
		return "", usagef("%q is not a KnowledgeBase: give NAME or kb/NAME", arg)
	}
	if name == "" || strings.Contains(name, "/") {
		return "", usagef("%q is not a KnowledgeBase name", arg)
	}
	return name, nil
}
