#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: dns_aaaa
short_description: Publish AAAA and PTR records into a hand-written zone file or a dynamic zone, without churn
description:
  - Publishes AAAA records (and with O(ptr=true) the matching nibble-format PTR records of a reverse zone) into
    a zone file the module does not own. The records go into O(include_file), a file the module owns, pulled
    into the zone file by one C($INCLUDE) line that the module appends once when it is missing.
  - A name that already has AAAA records written by hand in the zone file (or in a file it C($INCLUDE)s, other
    than O(include_file)), an alias (CNAME) or a name at or below a delegation (NS records below the apex) is
    refused before anything changes (see O(take_over)). Names made by C($GENERATE) are not read; the zone check
    of O(validate) stops what they would break.
  - Everything else in the zone file stays byte for byte as it is (comments, C($TTL), C($ORIGIN), a multi-line
    SOA, order, blank lines) except the SOA serial, which changes only when the records change.
  - A run with nothing to change writes nothing (same bytes, same mtime) and reports no change.
  - Writes are atomic and all or nothing. Every file of a change (zone files and include files) is first
    written to a temporary file beside it and synced; only when all are written are they renamed into place, and
    when a rename fails the files already renamed get their old text back. The task is serialised by a lock
    (C(flock) on the zone file itself), which leaves no file behind. With O(validate=true) the would-be zones
    are loaded from temporary files in a private directory before anything is renamed, and a zone that does
    not load is then checked as it is (a zone that does not load before the change is not touched).
  - Check mode writes nothing beside the zone files and needs no write access to their directories.
  - A zone file (or include file) reached through a symbolic link is written where the link points; the link
    stays. The line endings of a zone file are kept; in a file with CRLF line endings (from Windows) the
    C($INCLUDE) line ends with CRLF too. (BIND reads such a file; Knot refuses it.)
  - A zone file whose SOA record names another zone than O(zone) (or O(reverse_zone)), by its owner or a
    C($ORIGIN) line, fails the task, naming the zone the file holds.
  - With O(method=nsupdate) the same records go to a DNS server with a dynamic zone as RFC 2136 updates,
    signed with a TSIG key, and the server moves the serial. The names the module manages there are listed
    in one TXT record set, C(_palmfarm-managed.ZONE), one string per name, changed in the same update as the
    records; O(prune) and O(state=absent) only ever remove names on that list. A name of O(records) that
    already has AAAA records not made by the module is refused unless O(take_over=true). The current records are read
    by a zone transfer (AXFR, signed with the key) when the server allows one, else by one query per name.
    The update carries the list as it was read as its prerequisite, so two runs at the same time cannot lose
    each other's names (the later one reads again and retries).
  - When an item of O(records) has a MAC and addresses (an instance returned by M(palmfarm.ipv6.lxd_farm)),
    and the EUI-64 address of the MAC is not among them, the task warns, naming the instance, the predicted
    and the real address (hosts with stable-privacy addresses, RFC 7217); the real address is published.
  - Bad input (an address that is not IPv6, a prefix that is not a /64 for EUI-64, a MAC that is not a MAC, an
    invalid name, a name outside the zone, a reverse zone whose prefix length is not a multiple of 4) fails
    the task before anything is written.
  - Only addresses other hosts can reach are published, global unicast and ULA (C(fc00::/7)) ones. A link-local
    (C(fe80::/10), with or without a zone index such as C(%eth0)), loopback (C(::1)), unspecified (C(::)),
    multicast (C(ff00::/8)), IPv4-mapped (C(::ffff:0:0/96)), IPv4-compatible, site-local or discard-only
    (C(100::/64)) address fails the task, naming the record and the address; so does a zone index on any
    address.
  - IDN names (of records and zones) are converted to punycode as IDNA 2008 with the UTS46 mapping,
    non-transitional, says, as registries do (C(faß) is C(xn--fa-hia), not C(fass) as in IDNA 2003). That
    needs the Python library C(idna) on the host that runs the task, only when a name is not ASCII.
author: palmfarm.ipv6 contributors (@palmfarm)
extends_documentation_fragment:
  - palmfarm.ipv6.attributes
options:
  zone:
    description:
      - The zone (its origin), for example C(lab.example.net).
    type: str
    required: true
  zone_file:
    description:
      - Absolute path of the zone's file. It must exist and contain the SOA record.
      - Required with O(method=file), ignored with O(method=nsupdate).
    type: path
  include_file:
    description:
      - Absolute path of the file holding the published AAAA records. The module owns it and rewrites it;
        hand-written records belong in O(zone_file).
      - The zone file gets the line C($INCLUDE "INCLUDE_FILE" ZONE.) at its end when it has no C($INCLUDE) of
        this file yet. A C($INCLUDE) of it by a relative path counts too, taken from the zone file's directory
        (as Knot reads it) or from named's C(directory) (as BIND does).
      - Required with O(method=file), ignored with O(method=nsupdate).
      - Its third line holds a digest of the inputs of the run that last changed its records (the options, the
        records as given, the module's code) and of the include files it wrote. A re-run with the same inputs,
        while the include files are as that run left them, is known to change nothing without reading the
        records (the zone file is still read, with its SOA, its C($INCLUDE) line and its hand-written names
        checked). A run that warned, or whose inputs differ, reads everything.
    type: path
  records:
    description:
      - The names to publish. Each item has a C(name) (relative to O(zone), or absolute with a final dot) and
        either C(addresses) (a list, or one address), or C(mac) and C(prefix) (a /64), whose address is then
        the modified EUI-64 SLAAC address.
      - The C(instances) list returned by M(palmfarm.ipv6.lxd_farm) can be given as it is, items with C(name),
        C(address), C(mac) and C(ipv6); their C(address), else their C(ipv6.global) addresses, are published,
        or with O(scopes) their addresses of those scopes. Addresses listed in their C(ipv6.deprecated) are
        never published. With O(state=present) the instances it deleted (C(state=absent)) are left out;
        O(prune) removes them.
      - When an item has both addresses and C(mac) (with C(prefix), or without it as an instance of
        M(palmfarm.ipv6.lxd_farm), whose /64 is then the one of its address), the addresses win, and the task
        warns when the EUI-64 address is not among them (hosts with stable-privacy addresses, RFC 7217).
      - With O(state=absent) only the C(name) of each item is used.
      - Mutually exclusive with O(records_file). For thousands of records, O(records_file) is much faster, as
        Ansible carries every item of O(records) into the task and back.
    type: list
    elements: dict
    default: []
  records_file:
    description:
      - Path, on the host that runs the task, of a file holding the list O(records) would hold, the same items
        (lxd_farm's instances too), for example written by M(ansible.builtin.copy) with its C(content) set to
        C({{ farm.instances | to_json }}).
      - The file is read as JSON, and as YAML (with the Python library PyYAML, when installed) when it is not
        JSON. JSON is much faster to read.
      - The task fails, and writes nothing, when the file is missing or unreadable, does not hold a list, or
        has an item that is not a mapping with a C(name); the message names the file and the item.
      - O(name_prefix), O(scopes) and O(state) apply to its items as to those of O(records).
      - Mutually exclusive with O(records).
    type: path
  scopes:
    description:
      - Which addresses of an instance returned by M(palmfarm.ipv6.lxd_farm) (an item with C(ipv6) and no
        C(addresses)) are published, all its C(ipv6.global) addresses (V(global)), all its C(ipv6.ula)
        addresses (V(ula)), or both.
      - Without O(scopes), its C(address) (the best one, the stable EUI-64 global address when it has one)
        is published, else its C(ipv6.global) addresses.
      - Whatever the choice, the addresses in its C(ipv6.deprecated) (whose preferred lifetime has ended,
        after a prefix change) are never published. After a renumbering, one run with O(scopes=[global, ula])
        and O(prune=true) publishes the new global addresses and the ULA ones, drops the old ones, and moves
        each zone's serial once.
      - Items with C(addresses), or with C(mac) and C(prefix), are published as they are.
    type: list
    elements: str
    choices: [global, ula]
  name_prefix:
    description:
      - Put before every name of O(records); V(lxc) publishes the instance C(w5) as C(lxcw5).
    type: str
    default: ''
  ttl:
    description:
      - TTL of the published records, in seconds.
    type: int
    default: 3600
  ptr:
    description:
      - Also publish a PTR record for every published address into O(reverse_zone_file).
    type: bool
    default: false
  reverse_zone:
    description:
      - The reverse zone, as an C(ip6.arpa) name or as the prefix it covers (for example
        C(2001:db8:ebbd:2080::/64)); the prefix length must be a multiple of 4, from 4 to 124 (a /128 has no
        name below it for a PTR record).
      - Required with O(ptr=true).
      - A published address outside it gets no PTR record (its AAAA record is published), and the task warns
        once, listing them, for example the ULA addresses of O(scopes=[global, ula]) beside a reverse zone
        of the global prefix. Publish those with a second task whose O(reverse_zone) covers them. When no
        published address lies in it, the reverse zone is the wrong one and the task fails.
    type: str
  reverse_zone_file:
    description:
      - Absolute path of the reverse zone's file. Required with O(ptr=true) and O(method=file).
    type: path
  reverse_include_file:
    description:
      - Absolute path of the file holding the PTR records, owned by the module like O(include_file).
      - Defaults to O(include_file) with C(.ptr) appended.
    type: path
  prune:
    description:
      - Remove the names of O(include_file) that are not in O(records). Names of the zone file itself are
        never removed.
      - With O(method=nsupdate), remove the names listed in C(_palmfarm-managed.ZONE) that are not in
        O(records); no other name is ever removed.
    type: bool
    default: false
  max_delete_percent:
    description:
      - With O(prune=true), refuse a change that removes more than this share (in percent) of the names in
        O(include_file) (with O(method=nsupdate), of the managed names of the zone), unless O(force=true).
      - Names withdrawn by name (O(state=absent)) are removed whatever their share, the last one too.
    type: int
    default: 50
  force:
    description:
      - Prune names even beyond O(max_delete_percent).
    type: bool
    default: false
  take_over:
    description:
      - With O(method=nsupdate), a name of O(records) that already has AAAA records in the zone, not made by the
        module (not listed in C(_palmfarm-managed.ZONE)), fails the task unless O(take_over=true); then its AAAA
        record set is replaced and the name is managed from then on (a later O(prune) or O(state=absent) removes
        it).
      - With O(method=file), such a name (AAAA records written by hand in O(zone_file) or a file it includes)
        always fails the task (the module never edits the hand-written lines); remove them to publish the name.
      - Whatever O(take_over) says, a name at or below a delegation (NS records of a name below the apex; the
        server would answer with a referral, never with the records) or an alias (CNAME) fails the task.
    type: bool
    default: false
  return_records:
    description:
      - Whether the result holds RV(records), every managed name with its addresses.
      - With many thousands of records, V(false) keeps the result (and what AWX stores of it) small and the task
        fast; RV(added), RV(removed) and RV(updated) still say what changed.
    type: bool
    default: true
  serial_format:
    description:
      - How the SOA serial moves on a change. V(date) is C(YYYYMMDDnn), the greater of the serial plus one and
        today (UTC) times 100; V(increment) adds one; V(unixtime) is the time in seconds, or the serial plus
        one when that is not greater. Serials wrap as RFC 1982 says.
      - Ignored with O(method=nsupdate), where the server moves the serial.
    type: str
    choices: [date, increment, unixtime]
    default: date
  validate:
    description:
      - Check the zone with C(named-checkzone) (Debian package C(bind9-utils)), else C(kzonecheck) (Knot),
        before the change and, from temporary files, after it, before renaming anything.
      - C(named-checkzone) makes the integrity checks C(named) makes when it loads the zone (C(-i local)). It
        does not look up the targets of MX, SRV and NS records outside the zone, so a slow or missing resolver
        does not slow the task down.
      - Ignored with O(method=nsupdate), where the server checks the update.
    type: bool
    default: true
  backup:
    description:
      - Keep a copy of each file the task changes, with a timestamp in its name.
      - Ignored with O(method=nsupdate).
    type: bool
    default: false
  state:
    description:
      - V(present) publishes the records, V(absent) removes the names of O(records) from O(include_file) (with
        O(method=nsupdate), those of them that the module manages in the zone).
    type: str
    choices: [present, absent]
    default: present
  method:
    aliases: [backend]
    description:
      - V(file) edits the zone files on this host. V(nsupdate) sends RFC 2136 updates to O(server), which
        must serve O(zone) (and O(reverse_zone)) as a dynamic primary zone; it needs the Python library
        C(dnspython) 2.6 or later on the host that runs the task.
    type: str
    choices: [file, nsupdate]
    default: file
  server:
    description:
      - With O(method=nsupdate), the address (or a name that resolves to it) of the primary DNS server of
        O(zone) and O(reverse_zone), for example V(::1) on the server itself. Required with
        O(method=nsupdate).
      - Queries, zone transfers and updates all go over TCP.
    type: str
  port:
    description:
      - The DNS server's port, with O(method=nsupdate).
    type: int
    default: 53
  tsig_key_name:
    description:
      - The name of the TSIG key that signs the updates (and the queries and transfers), as in the server's
        C(key) statement and the zones' C(allow-update { key NAME; };), with O(method=nsupdate).
      - Without O(tsig_key_name) and O(tsig_key_secret) nothing is signed, for a server that allows updates
        by address.
    type: str
  tsig_key_secret:
    description:
      - The key's secret, base64, as C(tsig-keygen) prints it.
    type: str
  tsig_algorithm:
    description:
      - The key's algorithm.
    type: str
    choices: [hmac-md5, hmac-sha1, hmac-sha224, hmac-sha256, hmac-sha384, hmac-sha512]
    default: hmac-sha256
  timeout:
    description:
      - Seconds to wait for each answer of the server, with O(method=nsupdate).
    type: float
    default: 10
notes:
  - With O(method=file), reload the DNS server after a change, for example C(rndc reload ZONE) or
    C(knotc zone-reload ZONE), in a handler notified by this task.
seealso:
  - module: palmfarm.ipv6.lxd_farm
  - plugin: palmfarm.ipv6.eui64
    plugin_type: filter
  - plugin: palmfarm.ipv6.ptr_name
    plugin_type: filter
"""

EXAMPLES = r"""
- name: One zone, several tasks - its name and files are given once, for the whole block
  module_defaults:
    palmfarm.ipv6.dns_aaaa:
      zone: lab.example.net
      zone_file: /etc/bind/db.lab.example.net
      include_file: /etc/bind/db.lab.example.net.farm
  block:
    - name: Publish the farm by name, lxc in front of every instance name
      palmfarm.ipv6.dns_aaaa:
        records: "{{ farm.instances }}"
        name_prefix: lxc
        prune: true
      notify: Reload bind

    - name: A host by address, another by MAC (EUI-64)
      palmfarm.ipv6.dns_aaaa:
        records:
          - name: lxcweb
            addresses: [2001:db8:ebbd:2080:216:3eff:fe29:7f8]
          - name: lxcw5
            mac: 00:16:3e:97:4e:c9
            prefix: 2001:db8:ebbd:2080::/64
        serial_format: increment
        backup: true

    - name: After a renumbering, publish the new global and the ULA addresses, never the deprecated ones
      palmfarm.ipv6.dns_aaaa:
        records: "{{ farm.instances }}"
        name_prefix: lxc
        scopes: [global, ula]
        prune: true

    - name: Withdraw a name
      palmfarm.ipv6.dns_aaaa:
        records: [{name: lxcw5}]
        state: absent

- name: Thousands of names - write the records to a file on the DNS server, in one piece
  ansible.builtin.copy:
    content: "{{ farm.instances | to_json }}"
    dest: /var/lib/palmfarm-dns/farm.records.json
    mode: "0600"

- name: Publish them from that file (much faster than passing them as records), without echoing them all back
  palmfarm.ipv6.dns_aaaa:
    zone: lab.example.net
    zone_file: /etc/bind/db.lab.example.net
    include_file: /etc/bind/db.lab.example.net.farm
    records_file: /var/lib/palmfarm-dns/farm.records.json
    name_prefix: lxc
    ptr: true
    reverse_zone: 2001:db8:ebbd:2080::/64
    reverse_zone_file: /etc/bind/db.2001.db8.ebbd.2080
    prune: true
    return_records: false

- name: Publish the farm into a dynamic zone of a BIND server, with PTR records
  palmfarm.ipv6.dns_aaaa:
    method: nsupdate
    server: 2001:db8:ebbd:2080::53
    tsig_key_name: palmfarm-key
    tsig_key_secret: "{{ vault_palmfarm_tsig_secret }}"
    zone: lab.example.net
    records: "{{ farm.instances }}"
    name_prefix: lxc
    ptr: true
    reverse_zone: 2001:db8:ebbd:2080::/64
    prune: true
"""

RETURN = r"""
records:
  description: The names in the include file after the task (in check mode, as they would be), name to addresses.
  returned: success, unless O(return_records=false)
  type: dict
  sample: {lxcw5: [2001:db8:ebbd:2080:216:3eff:fe97:4ec9]}
added:
  description: Names added.
  returned: success
  type: list
  elements: str
  sample: [lxcw5]
removed:
  description: Names removed.
  returned: success
  type: list
  elements: str
  sample: []
updated:
  description: Names whose addresses (or TTL) changed.
  returned: success
  type: list
  elements: str
  sample: []
serial:
  description:
    - The SOA serial of each zone file before and after the task.
    - With O(method=nsupdate), of each zone (by name, with the final dot) as the server reports it.
  returned: success
  type: dict
  sample: {/etc/bind/db.lab.example.net: {before: 2024010501, after: 2026112800}}
backup_files:
  description: The backup copies made.
  returned: when O(backup=true) and something changed
  type: list
  elements: str
  sample: [/etc/bind/db.lab.example.net.12345.2026-11-28@03:00:00~]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.palmfarm.ipv6.plugins.module_utils._module.dns_aaaa import ARGUMENT_SPEC, RULES, run_module


def main() -> None:
    run_module(AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True, **RULES))


if __name__ == "__main__":
    main()
