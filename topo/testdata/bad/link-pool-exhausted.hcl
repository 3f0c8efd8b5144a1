lab "pool" {
  link_pool = "100.64.0.0/29"
}
autonomous_system "isp" { asn = 64500 }
router "r1" { as = "isp" }
router "r2" { as = "isp" }
link "r1" "r2" {}
link "r1" "r2" {}
link "r2" "r1" {}
