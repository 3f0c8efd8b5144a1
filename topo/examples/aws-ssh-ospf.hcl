# The seed lab with both of the article's IGPs side by side: the home ISP
# runs OSPF, the transit RIP. The home is a LAN: the laptop and a second
# host share a switch with two routers of the home ISP, which elect a
# designated router there; both reach home-core, so OSPF has a path to fall
# back on.
#
#   mac ─┬─ home-gw ── home-core ══ transit-a ══ aws-edge ── igw/VPC 10.0.0.0/16 ── web 10.0.1.10
#   tv ──┤  (lan)     ╱        ╲══ transit-b ══╱   (AS 16509)        public subnet   db  10.0.1.20
#        └─ home-agg ╱         (AS 64510, RIP)
#        (AS 64500, OSPF)
#   ══ eBGP between ASes   ── links inside an AS (OSPF or RIP carries them)
#
# Try `netemu ospf home-gw` (neighbours, the DR on the switch, the LSDB),
# `netemu link down home-gw home-core` then `netemu wait` and
# `netemu trace mac web` (now across the LAN to home-agg), and
# `netemu rip transit-a`.

lab "aws-ssh-ospf" {
  description = "The seed lab with an OSPF home ISP on a switched LAN and a RIP transit"
  # fast: RIP updates every 5 s and BGP hold 9 s, so the lab converges in
  # seconds; "rfc" gives the protocols' standard timers.
  timers = "fast"
  # The host `netemu ssh` connects from.
  client = "mac"
  # Links without a subnet get consecutive /30s from link_pool
  # (100.64.0.0/16) and routers get loopbacks from loopback_pool
  # (100.127.0.0/16), always the same for the same file.
}

# --- The home ISP: three routers running OSPF inside (area 0, the
# defaults: point-to-point on links, DR/BDR election on the switch,
# router ID = loopback), BGP towards the transit.
autonomous_system "home-isp" {
  asn      = 64500
  igp      = "ospf"
  prefixes = ["198.51.100.0/24"] # originated into BGP by its border router
  ospf {
    auth = { type = "md5", key = "home-secret", key_id = 1 }
  }
}

router "home-gw" {
  as = "home-isp"
}

router "home-core" {
  as = "home-isp"
}

router "home-agg" {
  as = "home-isp"
}

# The home LAN: a switch (a Linux bridge in its own namespace). Members get
# addresses from its subnet in link order: home-gw .1, home-agg .2, mac .3,
# tv .4.
switch "home-lan" {
  subnet = "198.51.100.0/29"
}

# The laptop and a second host. Their default gateway is the first router
# on their switch, home-gw.
host "mac" {}
host "tv" {}

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

# --- Links. Every link to a switch joins its segment.
link "home-gw" "home-lan" {}
link "home-agg" "home-lan" {}
link "mac" "home-lan" {}
link "tv" "home-lan" {}

link "home-gw" "home-core" {}  # inside home-isp: OSPF, cost 10
link "home-agg" "home-core" {  # the way round when home-gw–home-core is cut
  ospf { cost = 20 }
}
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
