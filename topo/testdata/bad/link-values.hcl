lab "linkvals" {}
autonomous_system "isp" { asn = 64500 }
router "r1" { as = "isp" }
router "r2" { as = "isp" }
link "r1" "r2" {
  bandwidth = "fast"
  delay     = "10 parsecs"
  loss      = 150
}
link "r1" "r2" {
  bandwidth = "-5mbit"
  delay     = "-1ms"
  loss      = -1
}
