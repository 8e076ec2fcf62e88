print("mash-gateway: not yet")
