package k8s

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var leaseGVR = schema.GroupVersionResource{Group: "coordination.k8s.io", Version: "v1", Resource: "leases"}

// leaseSeconds is how long a Lease holds when its holder dies: another
// agent then takes it over.
const leaseSeconds = 15

const microTime = "2006-01-02T15:04:05.000000Z07:00"

func jsonBytes(v any) ([]byte, error) { return json.Marshal(v) }

// leaseName is the Lease guarding a lab's status.
func leaseName(lab string) string { return "netemu-lab-" + lab }

// WithLease runs fn while holder holds the lab's Lease: every status
// write (and the choice of machines) happens under it, one agent at a
// time. A Lease whose holder stopped renewing expires after
// leaseSeconds; it is released when fn returns.
func (c *Client) WithLease(ctx context.Context, lab, holder string, fn func() error) error {
	ri := c.dyn.Resource(leaseGVR).Namespace(c.Namespace)
	name := leaseName(lab)
	for {
		ok, err := c.tryAcquire(ctx, name, holder)
		if err != nil {
			return err
		}
		if ok {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("lease %s/%s: %w", c.Namespace, name, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
	defer func() {
		// Release: best effort, it expires anyway.
		rctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if u, err := ri.Get(rctx, name, metav1.GetOptions{}); err == nil {
			if h, _, _ := unstructured.NestedString(u.Object, "spec", "holderIdentity"); h == holder {
				_ = unstructured.SetNestedField(u.Object, "", "spec", "holderIdentity")
				_, _ = ri.Update(rctx, u, metav1.UpdateOptions{})
			}
		}
	}()
	return fn()
}

// tryAcquire takes the Lease when it is free, expired or already ours.
func (c *Client) tryAcquire(ctx context.Context, name, holder string) (bool, error) {
	ri := c.dyn.Resource(leaseGVR).Namespace(c.Namespace)
	now := time.Now().UTC()
	spec := map[string]any{
		"holderIdentity":       holder,
		"leaseDurationSeconds": int64(leaseSeconds),
		"acquireTime":          now.Format(microTime),
		"renewTime":            now.Format(microTime),
	}
	u, err := ri.Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		nu := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
			"metadata": map[string]any{"name": name, "namespace": c.Namespace},
			"spec":     spec,
		}}
		_, err := ri.Create(ctx, nu, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("create lease %s: %w", name, err)
		}
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("lease %s: %w", name, err)
	}
	h, _, _ := unstructured.NestedString(u.Object, "spec", "holderIdentity")
	renew, _, _ := unstructured.NestedString(u.Object, "spec", "renewTime")
	dur, _, _ := unstructured.NestedInt64(u.Object, "spec", "leaseDurationSeconds")
	if h != "" && h != holder {
		t, err := time.Parse(microTime, renew)
		if err == nil && now.Before(t.Add(time.Duration(dur)*time.Second)) {
			return false, nil
		}
	}
	u.Object["spec"] = spec
	_, err = ri.Update(ctx, u, metav1.UpdateOptions{})
	if apierrors.IsConflict(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("take lease %s: %w", name, err)
	}
	return true, nil
}
