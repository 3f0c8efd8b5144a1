# Every block and attribute of the language, once. (A reference, not a
# sensible network.)

lab "reference" {
  description   = "every block and attribute"
  timers        = "fast"           # "rfc" (default) | "fast"
  daemons       = "netemu"         # "netemu" (default) | "frr" | "none"
  region        = "us-east-1"      # AWS names: ec2.internal here, REGION.compute.internal elsewhere
  client        = "mac"            # default: the first host in the file
  link_pool     = "100.64.0.0/16"  # links without subnet get /30s from it
  loopback_pool = "100.127.0.0/16" # routers without loopback get /32s from it
  vxlan_port    = 4789             # UDP port of cross-machine tunnels (default 4789)
}

autonomous_system "home-isp" {
  asn      = 64500             # 1 … 4294967294
  igp      = "rip"             # "rip" (default) | "static"
  prefixes = ["198.51.100.0/24"]
  rip_auth {
    type   = "md5" # "plain" | "md5"
    key    = "s3cret"
    key_id = 1
  }
}

autonomous_system "transit" {
  asn = 64510
}

autonomous_system "aws" {
  asn = 16509
  igp = "static"
}

router "home-gw" {
  as       = "home-isp"
  loopback = "100.127.0.1"
  machine  = "m1"
  route {
    to  = "10.99.0.0/16"
    via = "198.51.100.2"
  }
  bgp {
    neighbor "192.0.2.2" {
      asn         = 65010
      import      = "prefer-a"
      export      = "prefer-a"
      description = "a BIRD speaker in host bird"
      passive     = false
    }
    neighbor "transit-a" {
      import = "prefer-a"
    }
  }
}

router "transit-a" {
  as = "transit"
}

router "aws-edge" {
  as = "aws"
}

host "mac" {
  gateway = "198.51.100.1"
  route {
    to  = "10.0.0.0/8"
    via = "198.51.100.1"
  }
  process "web" {
    command = ["/usr/bin/python3", "-m", "http.server"]
    user    = "nobody"
    env     = { LANG = "C" }
  }
  machine = "m1"
}

host "bird" {}

link "home-gw" "mac" {
  subnet = "198.51.100.0/29"
}

link "home-gw:wan0" "transit-a" {
  bandwidth    = "100mbit"
  delay        = "10ms"
  loss         = 0.5
  relationship = "provider"
}

link "home-gw" "bird" {
  subnet = "192.0.2.0/30"
  igp    = true
}

link "transit-a" "aws-edge" {}

vpc "prod" {
  cidr           = "10.0.0.0/16"
  edge           = "aws-edge"
  public_ip_pool = "203.0.113.128/25"
}

subnet "public" {
  vpc         = "prod"
  cidr        = "10.0.1.0/24"
  public      = true
  network_acl = "public-acl"
}

security_group "web-sg" {
  vpc         = "prod"
  description = "web servers"
  ingress {
    protocol    = "tcp"
    ports       = "22"
    cidr        = "0.0.0.0/0"
    description = "ssh"
  }
  ingress {
    protocol = "tcp"
    ports    = "1024-65535"
    cidrs    = ["10.0.0.0/8", "192.0.2.0/24"]
  }
  ingress {
    protocol       = "icmp"
    security_group = "web-sg"
  }
  egress {
    protocol = "all"
    cidr     = "0.0.0.0/0"
  }
}

network_acl "public-acl" {
  vpc = "prod"
  inbound {
    number   = 100
    action   = "allow"
    protocol = "tcp"
    ports    = "22"
    cidr     = "0.0.0.0/0"
  }
  outbound {
    number   = 100
    action   = "allow"
    protocol = "all"
    cidr     = "0.0.0.0/0"
  }
}

key_pair "my-key" {}

elastic_ip "db-eip" {
  address = "203.0.113.200"
  vpc     = "prod"
}

instance "web" {
  subnet          = "public"
  private_ip      = "10.0.1.10"
  public_ip       = "auto"
  imds            = "v2"           # "v2" (default: token required) | "v1"
  user_data       = "#!/bin/sh\necho hello\n" # latest/user-data, at most 16 KiB
  key_pair        = "my-key"
  security_groups = ["web-sg"]
  service "sshd" {}
  service "smtp" {}
  process "app" {
    command = ["/usr/bin/python3", "-m", "http.server"]
    user    = "ec2-user"
    env     = {}
  }
  machine = "m2"
}

instance "db" {
  subnet     = "public"
  elastic_ip = "db-eip"
  service "mariadb" {}
}

machine "m1" {
  address = "192.0.2.11"
}

machine "m2" {
  address = "192.0.2.12"
}

prefix_list "customers" {
  entry {
    prefix = "198.51.100.0/24"
    ge     = 24
    le     = 28
    action = "permit"
  }
}

policy "prefer-a" {
  term "from-a" {
    prefix_list     = "customers"
    as_path         = "^64510 "
    community       = "64510:100"
    action          = "accept"
    set_local_pref  = 200
    set_med         = 10
    add_communities = ["64500:1", "no-export"]
    prepend         = 2
  }
  default = "accept"
}

# A campus AS running OSPF, its LAN on a switch.
autonomous_system "campus" {
  asn = 64520
  igp = "ospf"                     # "rip" | "ospf" | "static"
  ospf {
    stub_areas   = [1]             # never 0
    auth         = { type = "md5", key = "campus", key_id = 1 } # or type = "simple" (key ≤ 8 bytes)
    redistribute = ["static"]      # "static" | "connected" | "bgp"
  }
}

router "campus-r1" { as = "campus" }

host "campus-pc" {}
host "campus-lab" {}

switch "campus-lan" {
  subnet  = "10.50.0.0/29"         # members addressed in link order
  machine = "m1"
}

link "campus-r1" "campus-lan" {
  address = "10.50.0.6"            # else the next free address
  ospf {
    cost    = 5                    # 1–65535, default 10
    passive = false
  }
}
link "campus-pc" "campus-lan" {}   # 10.50.0.1; default route via campus-r1
link "campus-r1" "campus-lab" {
  ospf { area = "0.0.0.1" }        # a host's link: the stub's area
}
