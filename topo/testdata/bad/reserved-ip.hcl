lab "reserved" {}
autonomous_system "aws" { asn = 16509 }
router "edge" { as = "aws" }
vpc "prod" {
  cidr           = "10.0.0.0/16"
  edge           = "edge"
  public_ip_pool = "203.0.113.0/24"
}
subnet "public" { cidr = "10.0.1.0/24" }
subnet "tiny" { cidr = "10.0.2.0/29" }
instance "a" {
  subnet     = "public"
  private_ip = "10.0.1.0"
}
instance "b" {
  subnet     = "public"
  private_ip = "10.0.1.1"
}
instance "c" {
  subnet     = "public"
  private_ip = "10.0.1.3"
}
instance "d" {
  subnet     = "public"
  private_ip = "10.0.1.255"
}
