# The seed lab: a laptop on a home ISP SSHes into an EC2 instance across the
# Internet.
#
#   mac ── home-gw ── home-core ══ transit-a ══ aws-edge ── igw/VPC 10.0.0.0/16 ── web 10.0.1.10
#         (AS 64500, RIP)      ╲══ transit-b ══╱   (AS 16509)        public subnet   db  10.0.1.20
#                              (AS 64510, RIP)
#   ══ eBGP between ASes   ── links inside an AS (RIP carries them)
#
# Bring it up with `sudo netemu up` (this file is embedded in the binary),
# then try `netemu ssh web`, `netemu exec mac -- traceroute <web's public IP>`,
# `netemu routes home-core` or `netemu bgp transit-a`.

lab "aws-ssh" {
  description = "A laptop on a home ISP reaches EC2 instances across two transit providers"
  # fast: RIP updates every 5 s and BGP hold 9 s, so the lab converges in
  # seconds; "rfc" gives the protocols' standard timers.
  timers = "fast"
  # The host `netemu ssh` connects from.
  client = "mac"
  # Links without a subnet get consecutive /30s from link_pool
  # (100.64.0.0/16) and routers get loopbacks from loopback_pool
  # (100.127.0.0/16), always the same for the same file.
}

# --- The home ISP: two routers running RIP inside, BGP towards the transit.
autonomous_system "home-isp" {
  asn      = 64500
  igp      = "rip"
  prefixes = ["198.51.100.0/24"] # originated into BGP by its border router
}

router "home-gw" {
  as = "home-isp"
}

router "home-core" {
  as = "home-isp"
}

# The laptop. Its default gateway is home-gw, the other end of its only link.
host "mac" {}

# --- The transit provider: two routers, both peering with home and AWS.
autonomous_system "transit" {
  asn      = 64510
  igp      = "rip"
  prefixes = ["192.0.2.0/24"]
}

router "transit-a" {
  as = "transit"
}

router "transit-b" {
  as = "transit"
}

# --- AWS: one edge router; the VPC's internet gateway hangs off it. The
# edge originates the VPC's public IP pool into BGP.
autonomous_system "aws" {
  asn = 16509
  igp = "static"
}

router "aws-edge" {
  as = "aws"
}

# --- Links. The first end of a link gets the subnet's first host address,
# the second end the next: home-gw is 198.51.100.1, mac 198.51.100.2.
link "home-gw" "mac" {
  subnet = "198.51.100.0/29"
}

link "home-gw" "home-core" {}  # inside home-isp: RIP
link "home-core" "transit-a" {} # home-isp ↔ transit: eBGP
link "home-core" "transit-b" {} # a second path, for failover
link "transit-a" "transit-b" {} # inside transit: RIP and iBGP
link "transit-a" "aws-edge" {}  # transit ↔ aws: eBGP
link "transit-b" "aws-edge" {}

# --- The VPC. netemu adds its router ("prod-router", the .1 of every
# subnet) and internet gateway ("prod-igw", linked to aws-edge), which
# translates each instance's public IP to its private IP one to one.
vpc "prod" {
  cidr           = "10.0.0.0/16"
  edge           = "aws-edge"
  public_ip_pool = "203.0.113.128/25"
}

# A public subnet: its instances get public IPs and a route to the gateway.
subnet "public" {
  vpc    = "prod"
  cidr   = "10.0.1.0/24"
  public = true
}

# Security groups are stateful allow-lists: inbound is denied unless a rule
# allows it; replies to allowed traffic always pass.
security_group "web-sg" {
  vpc = "prod"
  ingress {
    protocol    = "tcp"
    ports       = "22"
    cidr        = "0.0.0.0/0"
    description = "ssh from anywhere"
  }
  ingress {
    protocol    = "icmp"
    cidr        = "0.0.0.0/0"
    description = "ping from anywhere"
  }
}

# The database accepts only members of web-sg, never the Internet.
security_group "db-sg" {
  vpc = "prod"
  ingress {
    protocol       = "tcp"
    ports          = "3306"
    security_group = "web-sg"
    description    = "MariaDB from the web servers"
  }
  ingress {
    protocol       = "icmp"
    security_group = "web-sg"
  }
  ingress {
    protocol       = "tcp"
    ports          = "22"
    security_group = "web-sg"
    description    = "ssh through web (a bastion)"
  }
}

# Written as my-key.pem (mode 0600) in the lab's directory.
key_pair "my-key" {}

# A fixed public IP that survives stop/start (allocated from the top of the
# pool because no address is given).
elastic_ip "db-eip" {}

# An "auto" public IP is drawn from the pool at every start, so it changes
# when the instance is stopped and started again.
instance "web" {
  subnet          = "public"
  private_ip      = "10.0.1.10" # hostname ip-10-0-1-10
  public_ip       = "auto"
  key_pair        = "my-key"
  security_groups = ["web-sg"]
  service "sshd" {} # listens on *:22
  service "smtp" {} # listens on 127.0.0.1:25 only
}

instance "db" {
  subnet          = "public"
  private_ip      = "10.0.1.20"
  elastic_ip      = "db-eip"
  key_pair        = "my-key"
  security_groups = ["db-sg"]
  service "sshd" {}
  service "mariadb" {} # listens on 3306
}
