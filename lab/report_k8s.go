package lab

// K8sLabReport is `status --kubeconfig -o json`: a Lab object of a
// Kubernetes cluster (lab/k8s), what the user asked for and what the
// machines' agents report. The HCL source is left out (`kubectl get lab
// NAME -o json` has it).
type K8sLabReport struct {
	Lab        string `json:"lab"`
	File       string `json:"file,omitempty"`
	Generation int64  `json:"generation"`
	Phase      string `json:"phase"` // Pending, Building, Ready, Failed, Degraded, Deleting
	Message    string `json:"message,omitempty"`
	Deleting   bool   `json:"deleting,omitempty"`
	// Converged is "2/3": the shares up with routing converged, of all.
	Converged string             `json:"converged,omitempty"`
	Machines  []K8sMachineReport `json:"machines"`
	Nodes     []K8sNodeReport    `json:"nodes"`
	Lost      []K8sLostReport    `json:"lost,omitempty"`
	Intent    K8sIntentReport    `json:"intent"`
}

// K8sMachineReport is one machine (a Kubernetes Node) and its share.
type K8sMachineReport struct {
	Machine           string   `json:"machine"`
	Address           string   `json:"address"` // the Node's InternalIP
	Phase             string   `json:"phase,omitempty"`
	Message           string   `json:"message,omitempty"`
	Converged         bool     `json:"converged"`
	Nodes             []string `json:"nodes"` // the lab nodes it runs
	AppliedGeneration int64    `json:"applied_generation,omitempty"`
	UpdatedAt         string   `json:"updated_at,omitempty"` // RFC 3339
}

// K8sNodeReport is a lab node, where it runs and, for an instance, its
// public IP.
type K8sNodeReport struct {
	Name     string `json:"name"`
	Machine  string `json:"machine"`
	PublicIP string `json:"public_ip,omitempty"` // instances that have one, running
	Elastic  bool   `json:"elastic,omitempty"`
	Stopped  bool   `json:"stopped,omitempty"` // a stopped instance
}

// K8sLostReport is a machine whose Node is gone, and the lab nodes it ran.
type K8sLostReport struct {
	Machine string   `json:"machine"`
	Nodes   []string `json:"nodes"`
}

// K8sIntentReport is the changes in force: what `instance stop`, `link
// down` and `node stop` asked for.
type K8sIntentReport struct {
	StoppedInstances []string        `json:"stopped_instances,omitempty"`
	StoppedNodes     []string        `json:"stopped_nodes,omitempty"`
	DownLinks        []K8sLinkReport `json:"down_links,omitempty"`
}

// K8sLinkReport is a link the user wants down.
type K8sLinkReport struct {
	A      string `json:"a"`
	B      string `json:"b"`
	Silent bool   `json:"silent,omitempty"` // cut without telling the ends (no carrier loss)
}
