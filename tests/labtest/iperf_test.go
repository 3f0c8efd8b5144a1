package labtest

import "testing"

func TestIperfBitsPerSecond(t *testing.T) {
	got, err := IperfBitsPerSecond([]byte(`{"start":{},"end":{"sum_sent":{"bits_per_second":2},"sum_received":{"bits_per_second":9.5e6}}}`))
	if err != nil || got != 9.5e6 {
		t.Fatalf("got %v, %v; want 9.5e6", got, err)
	}
	if _, err := IperfBitsPerSecond([]byte("iperf3: error - unable to connect")); err == nil {
		t.Fatal("no error for output that is not JSON")
	}
}
