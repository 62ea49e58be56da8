# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One module per benchmark: render(data) gives the lines of its section of docs/benchmarks.md."""
