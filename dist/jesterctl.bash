# bash completion for jesterctl(1).

_jesterctl() {
    local current previous
    current=${COMP_WORDS[COMP_CWORD]}
    previous=${COMP_WORDS[COMP_CWORD-1]}

    if [[ $previous == --socket ]]; then
        COMPREPLY=($(compgen -f -- "$current"))
        return
    fi

    local word command=
    for word in "${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
        case $word in
            predict|similar|joke|status|ping|version|help|reload) command=$word ;;
        esac
    done

    if [[ -z $command ]]; then
        if [[ $current == -* ]]; then
            COMPREPLY=($(compgen -W "--socket --json --help --version" -- "$current"))
        else
            COMPREPLY=($(compgen -W "predict similar joke status ping version help reload" \
                -- "$current"))
        fi
    fi
}

complete -F _jesterctl jesterctl
