// The YAML editor: CodeMirror 6 with YAML highlighting and the engine's
// validation marks as diagnostics. This module is loaded on demand (it is
// its own chunk), so the terminal paints without waiting for it.
//
// CodeMirror styles itself through constructed style sheets
// (adoptedStyleSheets), which the page's Content-Security-Policy allows;
// its colours come from the page's CSS variables, so the light and dark
// themes need no reconfiguration.

import { EditorState } from '@codemirror/state';
import { EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter, drawSelection } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { HighlightStyle, syntaxHighlighting, indentOnInput, bracketMatching } from '@codemirror/language';
import { setDiagnostics, lintGutter } from '@codemirror/lint';
import { yaml } from '@codemirror/lang-yaml';
import { tags as t } from '@lezer/highlight';
import { toDiagnostics } from './marks.js';

const highlight = HighlightStyle.define([
  { tag: [t.propertyName, t.definition(t.propertyName)], color: 'var(--tok-key)' },
  { tag: [t.string, t.special(t.string)], color: 'var(--tok-string)' },
  { tag: [t.number, t.bool, t.null, t.atom], color: 'var(--tok-atom)' },
  { tag: [t.comment, t.lineComment], color: 'var(--tok-comment)', fontStyle: 'italic' },
  { tag: [t.keyword, t.meta, t.typeName, t.labelName], color: 'var(--tok-meta)' },
  { tag: [t.punctuation, t.separator, t.squareBracket, t.brace], color: 'var(--muted)' },
]);

const theme = EditorView.theme({
  '&': { height: '100%', color: 'var(--text)', backgroundColor: 'var(--editor-bg)', fontSize: '14px' },
  '.cm-scroller': { fontFamily: 'var(--mono)', lineHeight: '1.45' },
  '.cm-content': { caretColor: 'var(--text)' },
  '.cm-cursor': { borderLeftColor: 'var(--text)' },
  '.cm-gutters': { backgroundColor: 'var(--editor-gutter)', color: 'var(--muted)', borderRight: '1px solid var(--bar-border)' },
  '.cm-activeLine': { backgroundColor: 'var(--editor-active)' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--editor-active)' },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection': { backgroundColor: 'var(--selection)' },
  '&.cm-focused': { outline: 'none' },
  '.cm-tooltip': { backgroundColor: 'var(--bar-bg)', color: 'var(--text)', border: '1px solid var(--bar-border)' },
  '.cm-diagnostic': { whiteSpace: 'pre-wrap', maxWidth: '40rem' },
  '.cm-diagnostic-error': { borderLeftColor: 'var(--error)' },
  '.cm-diagnostic-warning': { borderLeftColor: 'var(--warning)' },
  '.cm-lintRange-error': { backgroundImage: 'none', textDecoration: 'underline wavy var(--error)', textUnderlineOffset: '3px' },
  '.cm-lintRange-warning': { backgroundImage: 'none', textDecoration: 'underline wavy var(--warning)', textUnderlineOffset: '3px' },
});

/**
 * createEditor makes an editor in parent. onChange(text) hears every
 * change; onSave and onApply are Ctrl/Cmd-S and Ctrl/Cmd-Enter.
 */
export function createEditor(parent, { onChange, onSave, onApply, label = 'YAML editor' }) {
  let silent = false;
  const keys = keymap.of([
    { key: 'Mod-s', preventDefault: true, run: () => (onSave?.(), true) },
    { key: 'Mod-Enter', preventDefault: true, run: () => (onApply?.(), true) },
    indentWithTab,
    ...defaultKeymap,
    ...historyKeymap,
  ]);
  const extensions = [
    lineNumbers(),
    highlightActiveLineGutter(),
    history(),
    drawSelection(),
    indentOnInput(),
    bracketMatching(),
    highlightActiveLine(),
    syntaxHighlighting(highlight),
    yaml(),
    lintGutter(),
    keys,
    theme,
    EditorState.tabSize.of(2),
    EditorView.contentAttributes.of({ 'aria-label': label }),
    EditorView.updateListener.of((u) => {
      if (u.docChanged && !silent) onChange?.(u.state.doc.toString());
    }),
  ];
  const view = new EditorView({ parent, state: EditorState.create({ doc: '', extensions }) });
  return {
    view,
    /** setText replaces the text (opening a file), without an onChange. */
    setText(text) {
      silent = true;
      try {
        view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text }, selection: { anchor: 0 } });
        view.dispatch(setDiagnostics(view.state, []));
      } finally {
        silent = false;
      }
    },
    getText: () => view.state.doc.toString(),
    /** setMarks shows the engine's marks, if the text is still the one checked. */
    setMarks(text, marks) {
      if (view.state.doc.toString() !== text) return false;
      view.dispatch(setDiagnostics(view.state, toDiagnostics(text, marks)));
      return true;
    },
    focus: () => view.focus(),
  };
}
