package k8s

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var podGVR = schema.GroupVersionResource{Version: "v1", Resource: "pods"}

// Where is the machine that runs node in the lab's placement.
func (l *Lab) Where(node string) (string, error) {
	for m, ns := range l.Status.Placement {
		for _, n := range ns {
			if n == node {
				return m, nil
			}
		}
	}
	if len(l.Status.Machines) == 0 {
		return "", fmt.Errorf("lab %s is not placed yet (phase %s)", l.Name, l.Status.Phase)
	}
	return "", fmt.Errorf("lab %s has no node %q", l.Name, node)
}

// ClientHost is the lab's client host (where `ssh` runs).
func (l *Lab) ClientHost() (string, error) {
	m, err := l.model()
	if err != nil {
		return "", err
	}
	if m.ClientHost == "" {
		return "", fmt.Errorf("lab %s has no client host to ssh from", l.Name)
	}
	return m.ClientHost, nil
}

// AgentPod is the agent's pod on machine (the DaemonSet's pod bound to
// that Node).
func (c *Client) AgentPod(ctx context.Context, machine string) (string, error) {
	pl, err := c.dyn.Resource(podGVR).Namespace(c.Namespace).List(ctx, metav1.ListOptions{
		LabelSelector: "app.kubernetes.io/name=" + AgentName,
		FieldSelector: "spec.nodeName=" + machine,
	})
	if err != nil {
		return "", fmt.Errorf("the agent pod on %s: %w", machine, err)
	}
	for _, p := range pl.Items {
		if p.GetDeletionTimestamp() == nil {
			return p.GetName(), nil
		}
	}
	return "", fmt.Errorf("no agent pod runs on machine %s (is the DaemonSet installed and the Node labelled?)", machine)
}

// KubectlExec is the kubectl command line that runs `netemu ARGS…` on a
// machine through its agent pod: the pod is privileged with the host's
// PID namespace, so entering PID 1's namespaces reaches the host's
// netemu and the share's state, as a command run on the machine would.
func KubectlExec(kubeconfig, namespace, pod string, tty bool, share string, args []string) []string {
	argv := []string{"kubectl"}
	if kubeconfig != "" {
		argv = append(argv, "--kubeconfig", kubeconfig)
	}
	argv = append(argv, "-n", namespace, "exec", "-i")
	if tty {
		argv = append(argv, "-t")
	}
	argv = append(argv, pod, "-c", "agent", "--", "nsenter", "--target", "1", "--mount", "--uts", "--ipc", "--net", "--pid", "--",
		"netemu", "--lab", share)
	return append(argv, args...)
}
