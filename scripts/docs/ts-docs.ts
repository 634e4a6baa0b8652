// The doc comments of the option types, as an editor shows them on hover: the descriptions of
// docs/options.md come from the same comments, so there is one text to keep up to date.
import path from 'node:path';
import ts from 'typescript';

export interface TypeDocs {
  /** The doc comment of the property at `keys` (`[]` steps into an array, `*` into a record). */
  describe(keys: readonly string[]): string;
}

/** One program over the files that export the option types; `types(file, name)` reads one of them. */
export function typeDocsProgram(root: string, files: readonly string[]) {
  const program = ts.createProgram(
    files.map((f) => path.join(root, f)),
    {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      allowImportingTsExtensions: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2023,
      customConditions: ['shakedown-source'],
      types: ['node'],
    },
  );
  const checker = program.getTypeChecker();

  const members = (type: ts.Type): ts.Type[] => {
    const t = checker.getNonNullableType(type);
    return t.isUnion() ? t.types : [t];
  };
  const literalOf = (m: ts.Type, name: string): unknown => {
    const property = m.getProperty(name);
    const t = property && checker.getTypeOfSymbol(property);
    return t?.isLiteral()
      ? t.value
      : t && (t.flags & ts.TypeFlags.BooleanLiteral) !== 0
        ? checker.typeToString(t)
        : undefined;
  };
  const step = (type: ts.Type, key: string): ts.Type[] =>
    members(type).flatMap((m) => {
      // `kind=local`: the member of a discriminated union whose `kind` is 'local'.
      const variant = /^(\w+)=(.*)$/.exec(key);
      if (variant) return String(literalOf(m, variant[1])) === variant[2] ? [m] : [];
      if (key === '[]')
        return checker.isArrayType(m) || checker.isTupleType(m)
          ? checker.getTypeArguments(m as ts.TypeReference).slice(0, 1)
          : [];
      if (key === '*') return m.getStringIndexType() ?? [];
      const property = m.getProperty(key);
      return property ? [checker.getTypeOfSymbol(property)] : [];
    });

  return function types(file: string, name: string): TypeDocs {
    const source = program.getSourceFile(path.join(root, file));
    const moduleSymbol = source && checker.getSymbolAtLocation(source);
    const exported = moduleSymbol && checker.getExportsOfModule(moduleSymbol).find((s) => s.name === name);
    if (!exported) throw new Error(`${file} exports no type ${name}`);
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const rootType = checker.getDeclaredTypeOfSymbol(symbol);
    return {
      describe(keys) {
        let types = [rootType];
        for (const key of keys.slice(0, -1)) types = types.flatMap((t) => step(t, key));
        for (const t of types) {
          for (const m of members(t)) {
            const property = m.getProperty(keys.at(-1)!);
            const text = property && ts.displayPartsToString(property.getDocumentationComment(checker));
            if (text) return text.replace(/\s*\n\s*/g, ' ').trim();
          }
        }
        return '';
      },
    };
  };
}
