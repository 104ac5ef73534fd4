#!/usr/bin/env bash
# Sourced by every command script of a local build (local/builds/shell-session.ts), never run on
# its own. Saves the shell's state when the command ends - through `exit N` too - so the next
# command starts where this one stopped: every variable (exported or not) and the working
# directory. Not saved, as CodeBuild does not carry them either: arrays, functions, traps and
# shell options; nor bash's own variables and the runner's CODEBUILD_BUILD_SUCCEEDING.

# $1: the state file. Installed as the EXIT trap by the command script.
__slipway_save_state() {
  local __slipway_status="$?" __slipway_state="$1" __slipway_name
  {
    for __slipway_name in $(compgen -v); do
      case "${__slipway_name}" in
        __slipway_* | BASH | BASH_* | BASHOPTS | BASHPID | SHELLOPTS | EUID | PPID | UID | GROUPS | FUNCNAME | \
          PIPESTATUS | HISTCMD | LINENO | RANDOM | SRANDOM | SECONDS | EPOCHREALTIME | EPOCHSECONDS | PWD | \
          OLDPWD | SHLVL | _ | OPTIND | OPTARG | OPTERR | DIRSTACK | COMP_* | HOSTNAME | HOSTTYPE | MACHTYPE | \
          OSTYPE | IFS | PS1 | PS2 | PS4 | COLUMNS | LINES | CODEBUILD_BUILD_SUCCEEDING)
          continue
          ;;
      esac
      # Arrays (a, A), readonly (r) and nameref (n) variables stay behind.
      case "${!__slipway_name@a}" in
        *[aArn]*) continue ;;
      esac
      declare -p "${__slipway_name}"
    done
    printf 'cd -- %q\n' "${PWD}"
  } >"${__slipway_state}.next" && mv -f "${__slipway_state}.next" "${__slipway_state}"
  exit "${__slipway_status}"
}

# Prints NAME NUL VALUE NUL for each named variable that is set (unset ones are left out).
__slipway_print_variables() {
  local __slipway_name
  for __slipway_name in "$@"; do
    if [[ -n "${!__slipway_name+set}" ]]; then
      printf '%s\0%s\0' "${__slipway_name}" "${!__slipway_name}"
    fi
  done
}
