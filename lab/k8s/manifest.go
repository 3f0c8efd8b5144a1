package k8s

import (
	"bytes"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// ManifestOptions say where and on which Nodes the agents run.
type ManifestOptions struct {
	// Namespace holds the DaemonSet, its ServiceAccount and the Leases.
	Namespace string
	// NodeLabel is KEY=VALUE: the DaemonSet runs on Nodes carrying it,
	// and they are the machines labs are placed on.
	NodeLabel string
	// Image only needs sh, cp and nsenter: the agent is the host's own
	// netemu, entered into the host's namespaces (see agentScript).
	Image string
	// Binary is netemu on the host's PATH (or a path).
	Binary string
}

// Defaults for ManifestOptions.
const (
	DefaultNamespace = "netemu-system"
	DefaultNodeLabel = "netemu.dev/machine=true"
	DefaultImage     = "debian:bookworm-slim"
	// AgentName names the DaemonSet, its ServiceAccount and RBAC objects.
	AgentName = "netemu-agent"
	// CredDir is where, on the host, the agent's container leaves its
	// ServiceAccount token and CA for the host's netemu to read.
	CredDir = "/var/lib/netemu/k8s"
)

func (o *ManifestOptions) defaults() {
	if o.Namespace == "" {
		o.Namespace = DefaultNamespace
	}
	if o.NodeLabel == "" {
		o.NodeLabel = DefaultNodeLabel
	}
	if o.Image == "" {
		o.Image = DefaultImage
	}
	if o.Binary == "" {
		o.Binary = "netemu"
	}
}

// LabelSelector is the node label as a selector ("k=v").
func (o ManifestOptions) LabelSelector() string {
	o.defaults()
	return o.NodeLabel
}

// agentScript is the container's command. The lab's programs must
// outlive the agent (an agent restart adopts its share, it does not
// rebuild it) and run in the host's namespaces, where the multi-host
// VXLAN underlay is: so the container enters PID 1's namespaces and runs
// the host's netemu, after copying its ServiceAccount credentials to
// CredDir (kept fresh: projected tokens rotate).
func agentScript(o ManifestOptions) string {
	sa := "/var/run/secrets/kubernetes.io/serviceaccount"
	return strings.Join([]string{
		"set -e",
		"copy() { cp " + sa + "/token " + sa + "/ca.crt /host" + CredDir + "/.new/ && mv -f /host" + CredDir + "/.new/* /host" + CredDir + "/; }",
		"mkdir -p /host" + CredDir + "/.new && copy",
		"(while sleep 300; do copy; done) &",
		"exec nsenter --target 1 --mount --uts --ipc --net --pid -- " + o.Binary +
			` k8s agent --node-name "$NODE_NAME" --node-label ` + shq(o.NodeLabel) +
			" --namespace " + shq(o.Namespace) + " --in-cluster-dir " + CredDir,
	}, "\n")
}

func shq(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// Objects are the manifest's objects, in apply order.
func Objects(o ManifestOptions) ([]*unstructured.Unstructured, error) {
	o.defaults()
	key, val, ok := strings.Cut(o.NodeLabel, "=")
	if !ok || key == "" {
		return nil, fmt.Errorf("node label %q: want KEY=VALUE", o.NodeLabel)
	}
	obj := func(m map[string]any) *unstructured.Unstructured { return &unstructured.Unstructured{Object: m} }
	meta := func(name string, ns bool) map[string]any {
		m := map[string]any{"name": name, "labels": map[string]any{"app.kubernetes.io/name": AgentName}}
		if ns {
			m["namespace"] = o.Namespace
		}
		return m
	}
	preserve := map[string]any{"type": "object", "x-kubernetes-preserve-unknown-fields": true}
	col := func(name, typ, path, desc string) map[string]any {
		return map[string]any{"name": name, "type": typ, "jsonPath": path, "description": desc}
	}
	crd := obj(map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1",
		"kind":       "CustomResourceDefinition",
		"metadata":   map[string]any{"name": Resource + "." + Group},
		"spec": map[string]any{
			"group": Group,
			// Cluster-scoped: a lab's name names kernel objects on
			// every machine, so it must be unique in the cluster.
			"scope": "Cluster",
			"names": map[string]any{"plural": Resource, "singular": "lab", "kind": Kind, "listKind": Kind + "List", "shortNames": []any{"nlab"}},
			"versions": []any{map[string]any{
				"name": Version, "served": true, "storage": true,
				"subresources": map[string]any{"status": map[string]any{}},
				"schema": map[string]any{"openAPIV3Schema": map[string]any{
					"type": "object",
					"properties": map[string]any{
						"spec":   preserve,
						"status": preserve,
					},
				}},
				"additionalPrinterColumns": []any{
					col("Phase", "string", ".status.phase", "Pending, Building, Ready, Failed, Degraded or Deleting"),
					col("Machines", "integer", ".status.machineCount", "machines (Nodes) the lab runs on"),
					col("Nodes", "integer", ".status.nodeCount", "lab nodes placed"),
					col("Converged", "string", ".status.converged", "shares whose routing converged"),
					col("Age", "date", ".metadata.creationTimestamp", ""),
				},
			}},
		},
	})
	ns := obj(map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": o.Namespace}})
	sa := obj(map[string]any{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta(AgentName, true)})
	verbs := []any{"get", "list", "watch", "update", "patch"}
	cr := obj(map[string]any{
		"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": meta(AgentName, false),
		"rules": []any{
			// Labs: read the intent, write status and finalizers.
			map[string]any{"apiGroups": []any{Group}, "resources": []any{Resource, Resource + "/status", Resource + "/finalizers"}, "verbs": verbs},
			// Nodes: the machines and their InternalIPs; a gone Node
			// degrades its labs.
			map[string]any{"apiGroups": []any{""}, "resources": []any{"nodes"}, "verbs": []any{"get", "list", "watch"}},
		},
	})
	crb := obj(map[string]any{
		"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": meta(AgentName, false),
		"roleRef":  map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": AgentName},
		"subjects": []any{map[string]any{"kind": "ServiceAccount", "name": AgentName, "namespace": o.Namespace}},
	})
	role := obj(map[string]any{
		"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": meta(AgentName, true),
		// Leases: one status writer at a time, in this namespace only.
		"rules": []any{map[string]any{"apiGroups": []any{"coordination.k8s.io"}, "resources": []any{"leases"},
			"verbs": []any{"get", "list", "watch", "create", "update", "patch"}}},
	})
	rb := obj(map[string]any{
		"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": meta(AgentName, true),
		"roleRef":  map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": AgentName},
		"subjects": []any{map[string]any{"kind": "ServiceAccount", "name": AgentName, "namespace": o.Namespace}},
	})
	labels := map[string]any{"app.kubernetes.io/name": AgentName}
	ds := obj(map[string]any{
		"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": meta(AgentName, true),
		"spec": map[string]any{
			"selector":       map[string]any{"matchLabels": labels},
			"updateStrategy": map[string]any{"type": "RollingUpdate"},
			"template": map[string]any{
				"metadata": map[string]any{"labels": labels},
				"spec": map[string]any{
					"serviceAccountName": AgentName,
					"nodeSelector":       map[string]any{key: val},
					// The host's network: VXLAN tunnels run between the
					// machines' own addresses. The host's PID namespace:
					// nsenter into PID 1's namespaces.
					"hostNetwork": true,
					"hostPID":     true,
					"dnsPolicy":   "ClusterFirstWithHostNet",
					"tolerations": []any{map[string]any{"operator": "Exists"}},
					"containers": []any{map[string]any{
						"name":    "agent",
						"image":   o.Image,
						"command": []any{"/bin/sh", "-c", agentScript(o)},
						"env": []any{map[string]any{"name": "NODE_NAME", "valueFrom": map[string]any{
							"fieldRef": map[string]any{"fieldPath": "spec.nodeName"}}}},
						// Privileged: namespaces, links, routes, iptables
						// and the lab's processes on the host.
						"securityContext": map[string]any{"privileged": true},
						"volumeMounts":    []any{map[string]any{"name": "creds", "mountPath": "/host" + CredDir}},
					}},
					"volumes": []any{map[string]any{"name": "creds", "hostPath": map[string]any{"path": CredDir, "type": "DirectoryOrCreate"}}},
				},
			},
		},
	})
	return []*unstructured.Unstructured{crd, ns, sa, cr, crb, role, rb, ds}, nil
}

// Manifest is the objects as one YAML stream for `kubectl apply -f -`.
func Manifest(o ManifestOptions) ([]byte, error) {
	objs, err := Objects(o)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString("# netemu on Kubernetes: the Lab CRD, the agent's RBAC and its DaemonSet.\n")
	for _, u := range objs {
		data, err := yaml.Marshal(u.Object)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", u.GetKind(), u.GetName(), err)
		}
		b.WriteString("---\n")
		b.Write(data)
	}
	return b.Bytes(), nil
}
