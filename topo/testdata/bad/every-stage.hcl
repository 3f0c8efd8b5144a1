lab "every-stage" {
  link_pool = "100.64.0.0/29"
}
autonomous_system "typo" { asn = "sixty-four" }
autonomous_system "noasn" {}
autonomous_system "isp" { asn = 64500 }
router "r1" { as = "isp" }
router "r2" { as = "isp" }
router "bad name" { as = "isp" }
link "r1" "r2" {}
link "r1" "r2" {}
link "r2" "r1" {}
link "r1" "r2" {}
link "r1" "bad name" {}
link "r2" "bad name" {}
link "r1" "r3" {}
link "r2" "r3" {}
vpc "prod" {
  cidr           = "10.0.0.0/16"
  edge           = "phantom"
  public_ip_pool = "203.0.113.0/25"
}
subnet "a" {
  vpc  = "prod"
  cidr = "10.9.1.0/24"
}
