lab "policy" {}
prefix_list "customers" {
  entry {
    prefix = "198.51.100.0/24"
    ge     = 20
    le     = 33
  }
  entry {
    prefix = "198.51.100.0/24"
    ge     = 28
    le     = 26
  }
  entry {
    prefix = "10.0.0.0/8"
    action = "allow"
  }
}
policy "in" {
  term "a" {
    prefix_list = "suppliers"
    as_path     = "^(64510 "
    community   = "64510:70000"
  }
  term "b" {
    community       = "no-export"
    add_communities = ["64500:1", "nonsense", "1:2:3"]
    action          = "maybe"
    set_local_pref  = -1
    prepend         = 40
  }
  default = "drop"
}
