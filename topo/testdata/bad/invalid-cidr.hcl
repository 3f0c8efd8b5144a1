lab "cidr" {
  link_pool = "100.64.0.0/33"
}
autonomous_system "isp" {
  asn      = 64500
  prefixes = ["198.51.100.0/24", "not-a-cidr", "198.51.100.1/24"]
}
router "r1" {
  as       = "isp"
  loopback = "10.0.0.300"
}
router "r2" {
  as = "isp"
  route {
    to  = "10.1.0.0/8"
    via = "banana"
  }
}
link "r1" "r2" {
  subnet = "192.0.2.1/30"
}
link "r2" "r1" {
  subnet = "192.0.2.8/32"
}
