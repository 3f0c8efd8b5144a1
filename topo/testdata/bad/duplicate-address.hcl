lab "dupaddr" {}
autonomous_system "isp" { asn = 64500 }
router "r1" {
  as       = "isp"
  loopback = "192.0.2.1"
}
router "r2" {
  as       = "isp"
  loopback = "100.127.0.9"
}
router "r3" {
  as       = "isp"
  loopback = "100.127.0.9"
}
link "r1" "r2" { subnet = "192.0.2.0/30" }
vpc "prod" {
  cidr           = "10.0.0.0/16"
  edge           = "r1"
  public_ip_pool = "203.0.113.0/24"
}
subnet "public" { cidr = "10.0.1.0/24" }
instance "web" {
  subnet     = "public"
  private_ip = "10.0.1.10"
}
instance "db" {
  subnet     = "public"
  private_ip = "10.0.1.10"
}
