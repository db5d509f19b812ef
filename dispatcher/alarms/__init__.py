"""Equipment alarms: devices that raise (and clear) emergency tickets by signed request."""
