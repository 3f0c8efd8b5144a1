# The seed lab's network with static routes only: no routing daemons run.
# Same nodes as aws-ssh.hcl; every link has an explicit subnet so the routes
# below read plainly. mac reaches every router address and the VPC's public
# IP pool; the VPC's private range 10.0.0.0/16 is never routed on the
# Internet side, so mac cannot reach 10.0.1.10 directly.
#
#   mac .2 ─ .1 home-gw .9 ─ .10 home-core .1 ─ .2 transit-a .13 ─ .14 aws-edge ─ prod-igw ─ prod-router ─ web, db
#     198.51.100.0/29   198.51.100.8/30     .5 ─ .6 transit-b .17 ─ .18 ╱
#                                             (192.0.2.0/24)  ta .9 ─ .10 tb
#
# Loopbacks: home-gw 100.127.0.1, home-core .2, transit-a .3, transit-b .4,
# aws-edge .5. The VPC's implicit links come from link_pool: aws-edge
# 100.64.0.1 ─ 100.64.0.2 prod-igw 100.64.0.5 ─ 100.64.0.6 prod-router.

lab "aws-ssh-static" {
  description = "The seed lab with static routes and no routing daemons"
  timers      = "fast"
  daemons     = "none"
  client      = "mac"
}

autonomous_system "home-isp" {
  asn      = 64500
  igp      = "static"
  prefixes = ["198.51.100.0/24"]
}

autonomous_system "transit" {
  asn      = 64510
  igp      = "static"
  prefixes = ["192.0.2.0/24"]
}

autonomous_system "aws" {
  asn = 16509
  igp = "static"
}

router "home-gw" {
  as       = "home-isp"
  loopback = "100.127.0.1"
  route {
    to  = "0.0.0.0/0"
    via = "198.51.100.10" # home-core
  }
}

router "home-core" {
  as       = "home-isp"
  loopback = "100.127.0.2"
  route {
    to  = "198.51.100.0/29" # mac's subnet
    via = "198.51.100.9"    # home-gw
  }
  route {
    to  = "100.127.0.1/32" # home-gw's loopback
    via = "198.51.100.9"
  }
  route {
    to  = "0.0.0.0/0"
    via = "192.0.2.2" # transit-a
  }
}

host "mac" {} # default via home-gw, the other end of its only link

router "transit-a" {
  as       = "transit"
  loopback = "100.127.0.3"
  route {
    to  = "198.51.100.0/24" # home-isp
    via = "192.0.2.1"       # home-core
  }
  route {
    to  = "100.127.0.1/32"
    via = "192.0.2.1"
  }
  route {
    to  = "100.127.0.2/32"
    via = "192.0.2.1"
  }
  route {
    to  = "192.0.2.4/30" # home-core ─ transit-b
    via = "192.0.2.1"
  }
  route {
    to  = "192.0.2.16/30" # transit-b ─ aws-edge
    via = "192.0.2.10"    # transit-b
  }
  route {
    to  = "100.127.0.4/32" # transit-b's loopback
    via = "192.0.2.10"
  }
  route {
    to  = "100.127.0.5/32" # aws-edge's loopback
    via = "192.0.2.14"
  }
  route {
    to  = "100.64.0.0/16" # AWS's internal links (edge ─ igw ─ vpc router)
    via = "192.0.2.14"
  }
  route {
    to  = "203.0.113.128/25" # the VPC's public IP pool
    via = "192.0.2.14"       # aws-edge
  }
}

router "transit-b" {
  as       = "transit"
  loopback = "100.127.0.4"
  route {
    to  = "198.51.100.0/24"
    via = "192.0.2.5" # home-core
  }
  route {
    to  = "100.127.0.1/32"
    via = "192.0.2.5"
  }
  route {
    to  = "100.127.0.2/32"
    via = "192.0.2.5"
  }
  route {
    to  = "192.0.2.0/30" # home-core ─ transit-a
    via = "192.0.2.5"
  }
  route {
    to  = "192.0.2.12/30" # transit-a ─ aws-edge
    via = "192.0.2.9"     # transit-a
  }
  route {
    to  = "100.127.0.3/32"
    via = "192.0.2.9"
  }
  route {
    to  = "100.127.0.5/32"
    via = "192.0.2.18"
  }
  route {
    to  = "100.64.0.0/16"
    via = "192.0.2.18"
  }
  route {
    to  = "203.0.113.128/25"
    via = "192.0.2.18" # aws-edge
  }
}

router "aws-edge" {
  as       = "aws"
  loopback = "100.127.0.5"
  route {
    to  = "0.0.0.0/0"
    via = "192.0.2.13" # transit-a
  }
  # The route to the public IP pool via prod-igw is added by the vpc.
}

link "home-gw" "mac" {
  subnet = "198.51.100.0/29"
}
link "home-gw" "home-core" {
  subnet = "198.51.100.8/30"
}
link "home-core" "transit-a" {
  subnet = "192.0.2.0/30"
}
link "home-core" "transit-b" {
  subnet = "192.0.2.4/30"
}
link "transit-a" "transit-b" {
  subnet = "192.0.2.8/30"
}
link "transit-a" "aws-edge" {
  subnet = "192.0.2.12/30"
}
link "transit-b" "aws-edge" {
  subnet = "192.0.2.16/30"
}

vpc "prod" {
  cidr           = "10.0.0.0/16"
  edge           = "aws-edge"
  public_ip_pool = "203.0.113.128/25"
}

subnet "public" {
  vpc    = "prod"
  cidr   = "10.0.1.0/24"
  public = true
}

security_group "web-sg" {
  vpc = "prod"
  ingress {
    protocol    = "tcp"
    ports       = "22"
    cidr        = "0.0.0.0/0"
    description = "ssh from anywhere"
  }
  ingress {
    protocol = "icmp"
    cidr     = "0.0.0.0/0"
  }
}

security_group "db-sg" {
  vpc = "prod"
  ingress {
    protocol       = "tcp"
    ports          = "3306"
    security_group = "web-sg"
  }
  ingress {
    protocol       = "icmp"
    security_group = "web-sg"
  }
  ingress {
    protocol       = "tcp"
    ports          = "22"
    security_group = "web-sg"
  }
}

key_pair "my-key" {}

elastic_ip "db-eip" {}

instance "web" {
  subnet          = "public"
  private_ip      = "10.0.1.10"
  public_ip       = "auto"
  key_pair        = "my-key"
  security_groups = ["web-sg"]
  service "sshd" {}
  service "smtp" {}
}

instance "db" {
  subnet          = "public"
  private_ip      = "10.0.1.20"
  elastic_ip      = "db-eip"
  key_pair        = "my-key"
  security_groups = ["db-sg"]
  service "sshd" {}
  service "mariadb" {}
}
