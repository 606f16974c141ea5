package main

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
)

// requestTimeout bounds each API request, as kubectl's --request-timeout
// would; a plugin that hangs on an unreachable cluster helps nobody.
const requestTimeout = 30 * time.Second

// connectKubeconfig loads the user's kubeconfig as kubectl does (explicit
// path, else $KUBECONFIG, else ~/.kube/config; the current context unless
// one is named) and returns a client that acts with the user's credentials,
// and the context's namespace.
func connectKubeconfig(kubeconfig, kubeContext string) (client.Reader, string, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = kubeconfig
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: kubeContext})
	cfg, err := cc.ClientConfig()
	if err != nil {
		return nil, "", fmt.Errorf("loading kubeconfig: %w", err)
	}
	namespace, _, err := cc.Namespace()
	if err != nil {
		return nil, "", fmt.Errorf("loading kubeconfig: %w", err)
	}
	cfg.UserAgent = "kubectl-kbwarden"
	if cfg.Timeout == 0 {
		cfg.Timeout = requestTimeout
	}
	scheme := runtime.NewScheme()
	if err := kbv1.AddToScheme(scheme); err != nil {
		return nil, "", err
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return nil, "", fmt.Errorf("connecting to %s: %w", cfg.Host, err)
	}
	return c, namespace, nil
}

// getKnowledgeBase reads one KnowledgeBase and turns the errors a user
// meets into sentences that say what to do.
func getKnowledgeBase(ctx context.Context, c client.Reader, namespace, name string) (*kbv1.KnowledgeBase, error) {
	kb := &kbv1.KnowledgeBase{}
	err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, kb)
	switch {
	case err == nil:
		return kb, nil
	case apierrors.IsNotFound(err):
		return nil, fmt.Errorf("KnowledgeBase %q not found in namespace %q (kubectl get kb -n %s lists them; -n picks another namespace)",
			name, namespace, namespace)
	case apimeta.IsNoMatchError(err):
		return nil, fmt.Errorf("this cluster does not serve KnowledgeBases (%s): is kbwarden installed? (kubectl get crd knowledgebases.%s)",
			kbv1.GroupVersion, kbv1.GroupVersion.Group)
	case apierrors.IsForbidden(err):
		return nil, fmt.Errorf("you may not read KnowledgeBase %q in namespace %q; explain needs get on knowledgebases.%s: %w",
			name, namespace, kbv1.GroupVersion.Group, err)
	default:
		return nil, fmt.Errorf("reading KnowledgeBase %s/%s: %w", namespace, name, err)
	}
}
