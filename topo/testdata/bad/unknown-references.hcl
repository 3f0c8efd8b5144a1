lab "unknown" {
  client = "nobody"
}
autonomous_system "isp" { asn = 64500 }
router "r1" { as = "no-such-as" }
router "r2" {
  as      = "isp"
  machine = "m9"
  bgp {
    neighbor "192.0.2.99" {
      asn    = 65000
      import = "no-such-policy"
    }
  }
}
machine "m1" { address = "192.0.2.11" }
link "r2" "ghost" {}
vpc "prod" {
  cidr           = "10.0.0.0/16"
  edge           = "phantom"
  public_ip_pool = "203.0.113.0/24"
}
subnet "a" {
  vpc  = "dev"
  cidr = "10.0.1.0/24"
}
instance "web" {
  subnet          = "nope"
  key_pair        = "no-key"
  elastic_ip      = "no-eip"
  security_groups = ["no-sg"]
}
policy "p" {
  term "t" { prefix_list = "no-list" }
}
