package k8s

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

func TestManifest(t *testing.T) {
	out, err := Manifest(ManifestOptions{NodeLabel: "lab.example/role=emu"})
	if err != nil {
		t.Fatal(err)
	}
	docs := strings.Split(string(out), "\n---\n")
	kinds := map[string]*unstructured.Unstructured{}
	for _, d := range docs[1:] {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(d), &m); err != nil {
			t.Fatalf("%v:\n%s", err, d)
		}
		u := &unstructured.Unstructured{Object: m}
		kinds[u.GetKind()] = u
	}
	for _, k := range []string{"CustomResourceDefinition", "Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "DaemonSet"} {
		if kinds[k] == nil {
			t.Errorf("no %s in the manifest", k)
		}
	}
	ds := kinds["DaemonSet"].Object
	spec, _, _ := unstructured.NestedMap(ds, "spec", "template", "spec")
	if spec["hostNetwork"] != true || spec["hostPID"] != true {
		t.Errorf("DaemonSet: hostNetwork %v hostPID %v", spec["hostNetwork"], spec["hostPID"])
	}
	if sel, _, _ := unstructured.NestedStringMap(ds, "spec", "template", "spec", "nodeSelector"); sel["lab.example/role"] != "emu" {
		t.Errorf("nodeSelector %v", sel)
	}
	cs, _, _ := unstructured.NestedSlice(ds, "spec", "template", "spec", "containers")
	c := cs[0].(map[string]any)
	if p, _, _ := unstructured.NestedBool(c, "securityContext", "privileged"); !p {
		t.Error("the agent is not privileged")
	}
	env, _, _ := unstructured.NestedSlice(c, "env")
	if p, _, _ := unstructured.NestedString(env[0].(map[string]any), "valueFrom", "fieldRef", "fieldPath"); p != "spec.nodeName" {
		t.Errorf("NODE_NAME from %q, want the downward API's spec.nodeName", p)
	}
	cmd, _, _ := unstructured.NestedStringSlice(c, "command")
	if !strings.Contains(strings.Join(cmd, " "), `k8s agent --node-name "$NODE_NAME" --node-label 'lab.example/role=emu'`) {
		t.Errorf("command %q", cmd)
	}
	cols, _, _ := unstructured.NestedSlice(kinds["CustomResourceDefinition"].Object, "spec", "versions")
	pc, _, _ := unstructured.NestedSlice(cols[0].(map[string]any), "additionalPrinterColumns")
	var names []string
	for _, x := range pc {
		names = append(names, x.(map[string]any)["name"].(string))
	}
	if got := strings.Join(names, ","); got != "Phase,Machines,Nodes,Converged,Age" {
		t.Errorf("printer columns %s", got)
	}
	if _, err := Objects(ManifestOptions{NodeLabel: "nolabel"}); err == nil {
		t.Error("a label without = was accepted")
	}
}

func TestKubectlExec(t *testing.T) {
	got := strings.Join(KubectlExec("/k/config", "netemu-system", "netemu-agent-x", true, "lab1@m2", []string{"exec", "--", "web", "ip", "addr"}), " ")
	want := "kubectl --kubeconfig /k/config -n netemu-system exec -i -t netemu-agent-x -c agent -- nsenter --target 1 --mount --uts --ipc --net --pid -- netemu --lab lab1@m2 exec -- web ip addr"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
