package k8s

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/retry"
)

// Client talks to the cluster for the CLI and the agents. It uses the
// dynamic client only: a Lab is a few JSON fields, and the handful of
// built-in kinds it touches (Nodes, Leases, the manifest's objects) are
// plain maps too, which keeps the binary lean.
type Client struct {
	dyn dynamic.Interface
	// Namespace holds the agents' Leases.
	Namespace string
	// NodeLabel (KEY=VALUE) selects the Nodes that are machines.
	NodeLabel string
}

// Config says how to reach the API server.
type Config struct {
	// Kubeconfig is a kubeconfig file (the CLI's --kubeconfig).
	Kubeconfig string
	// InClusterDir holds a ServiceAccount's token and ca.crt, with the
	// server from KUBERNETES_SERVICE_HOST/PORT: the DaemonSet's agent,
	// which runs the host's netemu outside its container.
	InClusterDir string
	Namespace    string
	NodeLabel    string
}

// RESTConfig is the client configuration c describes; neither file set
// means the standard in-cluster configuration.
func RESTConfig(c Config) (*rest.Config, error) {
	switch {
	case c.Kubeconfig != "":
		rc, err := clientcmd.BuildConfigFromFlags("", c.Kubeconfig)
		if err != nil {
			return nil, fmt.Errorf("kubeconfig %s: %w", c.Kubeconfig, err)
		}
		return rc, nil
	case c.InClusterDir != "":
		host, port := os.Getenv("KUBERNETES_SERVICE_HOST"), os.Getenv("KUBERNETES_SERVICE_PORT")
		if host == "" || port == "" {
			return nil, errors.New("--in-cluster-dir: KUBERNETES_SERVICE_HOST/PORT are not set (not started by the DaemonSet?)")
		}
		return &rest.Config{
			Host:            "https://" + strings.Trim(host, "[]") + ":" + port,
			BearerTokenFile: c.InClusterDir + "/token",
			TLSClientConfig: rest.TLSClientConfig{CAFile: c.InClusterDir + "/ca.crt"},
		}, nil
	}
	rc, err := rest.InClusterConfig()
	if err != nil {
		return nil, fmt.Errorf("no --kubeconfig and not in a cluster: %w", err)
	}
	return rc, nil
}

// NewClient connects to the cluster c describes.
func NewClient(c Config) (*Client, error) {
	rc, err := RESTConfig(c)
	if err != nil {
		return nil, err
	}
	rc.UserAgent = "netemu"
	dyn, err := dynamic.NewForConfig(rc)
	if err != nil {
		return nil, fmt.Errorf("kubernetes client: %w", err)
	}
	o := ManifestOptions{Namespace: c.Namespace, NodeLabel: c.NodeLabel}
	o.defaults()
	return &Client{dyn: dyn, Namespace: o.Namespace, NodeLabel: o.NodeLabel}, nil
}

func (c *Client) labs() dynamic.ResourceInterface { return c.dyn.Resource(LabGVR) }

// Create makes the Lab object name with spec.
func (c *Client) Create(ctx context.Context, name string, spec Spec) (*Lab, error) {
	u, err := newLabObject(name, spec)
	if err != nil {
		return nil, err
	}
	out, err := c.labs().Create(ctx, u, metav1.CreateOptions{FieldManager: "netemu"})
	if apierrors.IsAlreadyExists(err) {
		return nil, fmt.Errorf("lab %s already exists in the cluster (run `netemu --kubeconfig … down %s` first)", name, name)
	}
	if err != nil {
		return nil, fmt.Errorf("create lab %s: %w", name, err)
	}
	return decodeLab(out)
}

// Get reads the lab name.
func (c *Client) Get(ctx context.Context, name string) (*Lab, error) {
	u, err := c.labs().Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("lab %s: %w", name, err)
	}
	return decodeLab(u)
}

// List reads every lab.
func (c *Client) List(ctx context.Context) ([]*Lab, error) {
	ul, err := c.labs().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list labs: %w", err)
	}
	var out []*Lab
	for i := range ul.Items {
		l, err := decodeLab(&ul.Items[i])
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

// IsNotFound reports whether err says an object does not exist.
func IsNotFound(err error) bool { return apierrors.IsNotFound(err) }

// Delete asks for the lab's removal; the agents' finalizers keep it
// until every machine removed its share.
func (c *Client) Delete(ctx context.Context, name string) error {
	err := c.labs().Delete(ctx, name, metav1.DeleteOptions{})
	if err != nil {
		return fmt.Errorf("delete lab %s: %w", name, err)
	}
	return nil
}

// WaitGone waits until the lab object is gone (every share removed).
func (c *Client) WaitGone(ctx context.Context, name string) error {
	for {
		_, err := c.labs().Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		select {
		case <-ctx.Done():
			l, gerr := c.Get(context.Background(), name)
			if gerr == nil {
				var held []string
				for _, f := range l.Finalizers {
					if m, ok := strings.CutPrefix(f, FinalizerPrefix); ok {
						held = append(held, m)
					}
				}
				return fmt.Errorf("lab %s: still held by machine(s) %v, whose agent has not removed its share yet (is it running?): %w", name, held, ctx.Err())
			}
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// WaitPhase waits until the lab's phase is one of phases (or Failed) and
// returns the lab.
func (c *Client) WaitPhase(ctx context.Context, name string, phases ...string) (*Lab, error) {
	var last *Lab
	for {
		l, err := c.Get(ctx, name)
		if err == nil {
			last = l
			if slices.Contains(phases, l.Status.Phase) {
				return l, nil
			}
			if l.Status.Phase == PhaseFailed {
				return l, fmt.Errorf("lab %s failed: %s", name, l.Status.Message)
			}
		}
		if ctx.Err() != nil {
			if last == nil {
				return nil, fmt.Errorf("lab %s: %w", name, err)
			}
			return last, fmt.Errorf("lab %s is %s, not %v (%s): %w", name, dashed(last.Status.Phase), phases, last.Status.Message, ctx.Err())
		}
		waitTick(ctx)
	}
}

func dashed(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// waitTick pauses between two polls of the API server (or until ctx ends).
func waitTick(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-time.After(500 * time.Millisecond):
	}
}

// UpdateSpec changes the lab's spec with fn, retrying on conflicts.
func (c *Client) UpdateSpec(ctx context.Context, name string, fn func(l *Lab, s *Spec) error) (*Lab, error) {
	var out *Lab
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		l, err := c.Get(ctx, name)
		if err != nil {
			return err
		}
		if l.Deleting {
			return fmt.Errorf("lab %s is being deleted", name)
		}
		if err := fn(l, &l.Spec); err != nil {
			return err
		}
		sm, err := toMap(l.Spec)
		if err != nil {
			return err
		}
		l.obj.Object["spec"] = sm
		u, err := c.labs().Update(ctx, l.obj, metav1.UpdateOptions{FieldManager: "netemu"})
		if err != nil {
			return err
		}
		out, err = decodeLab(u)
		return err
	})
	return out, err
}

// updateStatus writes l.Status (summarised) over the object l was read
// from; a conflict is returned for the caller to read again.
func (c *Client) updateStatus(ctx context.Context, l *Lab) error {
	l.Status.summarise(l.Deleting)
	sm, err := toMap(l.Status)
	if err != nil {
		return err
	}
	l.obj.Object["status"] = sm
	_, err = c.labs().UpdateStatus(ctx, l.obj, metav1.UpdateOptions{FieldManager: "netemu-agent"})
	return err
}

// patchFinalizers sets the lab's finalizers (a merge patch guarded by
// the resourceVersion the lab was read at).
func (c *Client) patchFinalizers(ctx context.Context, l *Lab, fins []string) error {
	if fins == nil {
		fins = []string{}
	}
	patch := map[string]any{"metadata": map[string]any{"finalizers": fins, "resourceVersion": l.ResourceVersion}}
	data, err := jsonBytes(patch)
	if err != nil {
		return err
	}
	_, err = c.labs().Patch(ctx, l.Name, types.MergePatchType, data, metav1.PatchOptions{FieldManager: "netemu-agent"})
	return err
}

var nodeGVR = schema.GroupVersionResource{Version: "v1", Resource: "nodes"}

// ClusterNodes lists the Nodes carrying the machine label.
func (c *Client) ClusterNodes(ctx context.Context) ([]ClusterNode, error) {
	ul, err := c.dyn.Resource(nodeGVR).List(ctx, metav1.ListOptions{LabelSelector: c.NodeLabel})
	if err != nil {
		return nil, fmt.Errorf("list Nodes %s: %w", c.NodeLabel, err)
	}
	var out []ClusterNode
	for _, u := range ul.Items {
		n := ClusterNode{Name: u.GetName()}
		addrs, _, _ := unstructured.NestedSlice(u.Object, "status", "addresses")
		for _, a := range addrs {
			m, _ := a.(map[string]any)
			if m["type"] == "InternalIP" && n.InternalIP == "" {
				n.InternalIP, _ = m["address"].(string)
			}
		}
		out = append(out, n)
	}
	return out, nil
}

// gvrOf maps the manifest's kinds to their resources.
var gvrOf = map[string]schema.GroupVersionResource{
	"CustomResourceDefinition": {Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"},
	"Namespace":                {Version: "v1", Resource: "namespaces"},
	"ServiceAccount":           {Version: "v1", Resource: "serviceaccounts"},
	"ClusterRole":              {Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterroles"},
	"ClusterRoleBinding":       {Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterrolebindings"},
	"Role":                     {Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "roles"},
	"RoleBinding":              {Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "rolebindings"},
	"DaemonSet":                {Group: "apps", Version: "v1", Resource: "daemonsets"},
}

// Install applies the manifest's objects (server-side apply, so it is
// idempotent) and waits until the Lab kind is served.
func (c *Client) Install(ctx context.Context, o ManifestOptions) ([]string, error) {
	objs, err := Objects(o)
	if err != nil {
		return nil, err
	}
	var done []string
	for _, u := range objs {
		gvr, ok := gvrOf[u.GetKind()]
		if !ok {
			return done, fmt.Errorf("install: no resource for kind %s", u.GetKind())
		}
		data, err := jsonBytes(u.Object)
		if err != nil {
			return done, err
		}
		var ri dynamic.ResourceInterface = c.dyn.Resource(gvr)
		if ns := u.GetNamespace(); ns != "" {
			ri = c.dyn.Resource(gvr).Namespace(ns)
		}
		force := true
		if _, err := ri.Patch(ctx, u.GetName(), types.ApplyPatchType, data, metav1.PatchOptions{FieldManager: "netemu", Force: &force}); err != nil {
			return done, fmt.Errorf("apply %s %s: %w", u.GetKind(), u.GetName(), err)
		}
		done = append(done, strings.ToLower(u.GetKind())+"/"+u.GetName())
	}
	// The CRD is established a moment after it is created.
	for {
		if _, err := c.labs().List(ctx, metav1.ListOptions{Limit: 1}); err == nil {
			return done, nil
		}
		select {
		case <-ctx.Done():
			return done, fmt.Errorf("install: the Lab kind is not served: %w", ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}
