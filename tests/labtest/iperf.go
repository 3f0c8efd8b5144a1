package labtest

import (
	"encoding/json"
	"fmt"
)

// IperfBitsPerSecond is what the server received, in bits a second, from
// the JSON of `iperf3 -c … -J` (a TCP test).
func IperfBitsPerSecond(out []byte) (float64, error) {
	var r struct {
		End struct {
			SumReceived struct {
				BitsPerSecond float64 `json:"bits_per_second"`
			} `json:"sum_received"`
		} `json:"end"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return 0, fmt.Errorf("iperf3 JSON: %w", err)
	}
	return r.End.SumReceived.BitsPerSecond, nil
}
