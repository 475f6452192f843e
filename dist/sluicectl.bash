# bash completion for sluicectl (installed into bash-completion's completions directory)
# SPDX-License-Identifier: Apache-2.0

# The services a running sluiced has, as VIP keys (a.b.c.d:port/tcp), from `sluicectl list`.
_sluicectl_vips()
{
    local -a pre=("$@")
    "${pre[@]}" list 2>/dev/null |
        awk '$1 == "TCP" || $1 == "UDP" { print $2 "/" tolower($1) }'
}

# The backends of service $1 (ADDR), from the same table.
_sluicectl_backends()
{
    local vip=$1; shift
    local -a pre=("$@")
    "${pre[@]}" list 2>/dev/null |
        awk -v vip="$vip" '$1 == "TCP" || $1 == "UDP" { cur = $2 "/" tolower($1) }
                           $1 == "->" && cur == vip { print $2 }'
}

_sluicectl()
{
    local cur prev words cword
    _init_completion -n : || return

    local -a pre=(sluicectl)
    local i w cmd="" sub="" nargs=0
    for ((i = 1; i < cword; i++)); do
        w=${words[i]}
        case $w in
            -s|--socket|--token-file)
                pre+=("$w" "${words[i + 1]}"); ((i++)); continue ;;
            --mode|--scheduler|--persistence|--weight|--max-conns|--limit|--tunnel|\
            --tunnel-source|--synproxy|--syn-rate|--source-rate|--allow|--deny|\
            --client-address|--dataplane)
                ((i++)); continue ;;
            -*) continue ;;
        esac
        if [[ -z $cmd ]]; then cmd=$w
        elif [[ -z $sub && $cmd =~ ^(service|backend|defense|config|import)$ ]]; then sub=$w
        else ((nargs++))
        fi
    done

    case $prev in
        -s|--socket)
            _filedir; return ;;
        --token-file)
            _filedir; return ;;
        --dataplane)
            _filedir '@(yaml|yml)'; return ;;
        --mode)
            COMPREPLY=($(compgen -W "fullnat dr tun nat" -- "$cur")); return ;;
        --scheduler)
            COMPREPLY=($(compgen -W "rr wrr lc wlc sh maglev" -- "$cur")); return ;;
        --client-address)
            COMPREPLY=($(compgen -W "none toa proxy-v1 proxy-v2" -- "$cur")); return ;;
        --tunnel)
            COMPREPLY=($(compgen -W "ipip gue" -- "$cur")); return ;;
        --synproxy)
            COMPREPLY=($(compgen -W "on off" -- "$cur")); return ;;
        --persistence|--weight|--max-conns|--limit|--syn-rate|--source-rate|--allow|\
        --deny|--tunnel-source)
            return ;;
    esac

    local defense="--syn-rate --source-rate --allow --deny --synproxy"
    local opts=""
    if [[ -z $cmd ]]; then
        if [[ $cur == -* ]]; then
            opts="-s --socket --token-file --json --help"
        else
            opts="service backend list conns stats defense config import help"
        fi
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        return
    fi

    case $cmd in
        service|backend)
            if [[ -z $sub ]]; then
                COMPREPLY=($(compgen -W "add set del" -- "$cur")); return
            fi
            if [[ $cur != -* ]]; then
                if ((nargs == 0)); then
                    COMPREPLY=($(compgen -W "$(_sluicectl_vips "${pre[@]}")" -- "$cur"))
                elif [[ $cmd == backend && $sub != add ]] && ((nargs == 1)); then
                    local vip
                    for ((i = cword - 1; i > 0; i--)); do
                        [[ ${words[i]} == */tcp || ${words[i]} == */udp ]] &&
                            { vip=${words[i]}; break; }
                    done
                    COMPREPLY=($(compgen -W "$(_sluicectl_backends "$vip" "${pre[@]}")" \
                        -- "$cur"))
                fi
                __ltrim_colon_completions "$cur"
                return
            fi
            case $cmd/$sub in
                service/add) opts="--mode --scheduler --persistence --tunnel --tunnel-source
                                   --client-address $defense" ;;
                service/set) opts="--scheduler --persistence --client-address $defense" ;;
                backend/add) opts="--weight --max-conns" ;;
                backend/set) opts="--weight --max-conns --inhibit --no-inhibit" ;;
            esac ;;
        list) opts="--stats --rate --exact" ;;
        conns)
            if [[ $cur != -* ]]; then
                COMPREPLY=($(compgen -W "$(_sluicectl_vips "${pre[@]}")" -- "$cur"))
                __ltrim_colon_completions "$cur"
                return
            fi
            opts="--limit" ;;
        stats) opts="--all" ;;
        defense)
            if [[ -z $sub ]]; then
                COMPREPLY=($(compgen -W "set" -- "$cur")); return
            fi
            opts="$defense" ;;
        config)
            if [[ -z $sub ]]; then
                COMPREPLY=($(compgen -W "show apply" -- "$cur")); return
            fi
            [[ $sub == apply ]] && { _filedir '@(yaml|yml)'; return; } ;;
        import)
            if [[ -z $sub ]]; then
                COMPREPLY=($(compgen -W "keepalived" -- "$cur")); return
            fi
            [[ $cur == -* ]] || { _filedir; return; }
            opts="--dataplane" ;;
    esac
    COMPREPLY=($(compgen -W "$opts --json" -- "$cur"))
}
complete -F _sluicectl sluicectl
