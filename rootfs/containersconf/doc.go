// Package containersconf reads containers.conf(5) the way podman 5.4 does
// (containers/common v0.62, pkg/config): the chain of files it merges, in
// order, and the settings of those files that change a container's
// confinement, resources or devices, each with the file and line that set it.
//
// The chain for root (Chain.Files):
//
//  1. if CONTAINERS_CONF is set, that file alone;
//  2. otherwise /usr/share/containers/containers.conf, then
//     /etc/containers/containers.conf, then /etc/containers/containers.conf.d/*.conf
//     in name order, then root's $HOME/.config/containers/containers.conf
//     and its .d directory (/usr/share/containers/containers.conf.d is not
//     read);
//  3. the modules named by --module (quadlet's ContainersConfModule=), found
//     in /etc/containers/containers.conf.modules, then
//     /usr/share/containers/containers.conf.modules, or by absolute path;
//  4. CONTAINERS_CONF_OVERRIDE.
//
// Each file overrides the keys it sets. List settings (devices, volumes,
// annotations, …) are replaced, unless the list carries {append=true}, which
// then stays on for the later files too (common's attributedstring.Slice). A
// file that is not valid TOML, or a setting of the wrong type, makes podman
// fail before it runs anything.
package containersconf
