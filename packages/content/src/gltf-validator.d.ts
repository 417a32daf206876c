/** The Khronos glTF validator compiled to JS (npm `gltf-validator`), which ships no types: the part Storeloom calls. */
declare module 'gltf-validator' {
  export interface ValidationMessage {
    code: string;
    message: string;
    severity: number;
    pointer?: string;
    offset?: number;
  }
  export interface ValidationReport {
    validatorVersion?: string;
    mimeType?: string;
    issues: { numErrors: number; numWarnings: number; numInfos: number; numHints: number; messages: ValidationMessage[]; truncated: boolean };
    info?: {
      version?: string;
      generator?: string;
      drawCallCount?: number;
      totalVertexCount?: number;
      totalTriangleCount?: number;
      materialCount?: number;
      animationCount?: number;
    };
  }
  export function validateBytes(
    data: Uint8Array,
    options?: { maxIssues?: number; externalResourceFunction?: (uri: string) => Promise<Uint8Array> },
  ): Promise<ValidationReport>;
  export function version(): string;
}
