lab "svc" {}
autonomous_system "aws" { asn = 16509 }
router "edge" { as = "aws" }
vpc "prod" {
  cidr           = "10.0.0.0/16"
  edge           = "edge"
  public_ip_pool = "203.0.113.0/24"
}
subnet "public" { cidr = "10.0.1.0/24" }
instance "web" {
  subnet = "public"
  service "sshd" {}
  service "nginx" {}
  service "sshd" {}
  process "empty" { command = [] }
  process "missing" { command = ["/opt/nothing/here", "--flag"] }
  process "notinpath" { command = ["frobnicate"] }
  process "fine" { command = ["python3", "-m", "http.server"] }
}
host "h" {
  process "fine" { command = ["/usr/bin/python3"] }
  process "fine" { command = ["/usr/bin/python3"] }
}
