lab "impair" {}
autonomous_system "isp" { asn = 64500 }
router "r1" { as = "isp" }
router "r2" { as = "isp" }
router "r3" { as = "isp" }
link "r1" "r2" {
  delay     = "-5ms"
  loss      = "150%"
  duplicate = "lots"
  rate      = "900tbit"
}
link "r2" "r3" {
  jitter  = "5ms"
  reorder = "1%"
  corrupt = 0.1
}
link "r1" "r3" {
  delay     = "10ms"
  jitter    = "20ms"
  rate      = "10mbit"
  bandwidth = "10mbit"
}
